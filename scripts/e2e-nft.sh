#!/usr/bin/env bash
#
# e2e-nft.sh - cnifix against real connections on the nftables/firewalld host shapes of issue 10.
#
# Per shape (scripts/lib/nft-shapes.sh: real firewalld 1.3 on a private D-Bus, real Podman 4.3 CNI/netavark 1.4,
# real Docker 20.10, netavark 1.14's and Docker 29.7.2's nft tables loaded around real containers):
#   1. build the host live in throw-away namespaces (prefix nfl-)
#   2. probe every published port and the containers directly from the client namespace (the judge)
#   3. the probes equal the committed fixture's expected.json (the lab reproduces what the fixture says)
#   4. `cnifix diff --format json`, LIVE inside the engine namespace (java -jar target/cnifix.jar through the
#      holder; Podman via a wrapper carrying the lab's private storage, Docker via its private socket), and
#      `cnifix diff --snapshot fixtures/<shape> --format json`: each published port's status must fit the real
#      probe (answers/reached => ok; timeout/rejected => gap or blocked; 127.0.0.1-bound => not-exposed), and
#      the exposures must be exactly the direct-to-container probes that answered
# Prints PASS/FAIL per check and "N passed, M failed" at the end; exit 1 on any failure. With an engine that
# says `unknown` where native nftables tables or firewalld decide, many checks FAIL: that is the gap issue 10
# closes. Everything is torn down (trap); the machine's own namespace, nft ruleset, /run/dbus and
# /etc/firewalld are compared before and after.
#
# On the admin-nft-* shapes (the admin's own nftables chain drops) also: diff names inet filter forward, suggest
# proposes nft rules there, an nft that fails (CNIFIX_NFT) before or after committing leaves `nft -a list ruleset`
# byte-identical with exit 4, a further apply changes nothing, and after `podman rm web` prune --apply removes
# exactly web's nft rules.
# Usage (root, Debian 12):  scripts/e2e-nft.sh [--no-live] [SHAPE...]     (default: all ten shapes)
#   NFS_PREFIX=wnf names the lab's namespaces wnf-... (default nfl-)
#   --no-live   only the snapshot checks (no namespaces, seconds)
# Time: about 45-60 s per shape on a 2-core VM (containers, firewalld start, two JVM starts, 2 s probes),
# 6-8 minutes for all eight.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
. "$here/lib/engines-netns.sh"
. "$here/lib/firewalld-netns.sh"
. "$here/lib/nft-engines.sh"
. "$here/lib/nft-shapes.sh"
ENS_PACKAGES+=(firewalld dbus python3 jq)

LIVE=1
shapes=()
for a in "$@"; do
    case $a in
        --no-live) LIVE=0 ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) nfs_short "$a" >/dev/null || { echo "unknown shape: $a" >&2; exit 2; }; shapes+=("$a") ;;
    esac
done
[ ${#shapes[@]} -gt 0 ] || shapes=("${NFS_SHAPES[@]}")
PROBE_TIMEOUT=${PROBE_TIMEOUT:-2}

. "$here/lib/e2e-common.sh"


# _names TEXT WORD: WORD occurs as a whole name (not inside filter-FORWARD, filter_FORWARD, ...)
_names() { grep -Eq -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" <<< "$1"; }

# check_diff LABEL DIFF-JSON EXPECTED-JSON [FIXTURE-EXPECTED-JSON]: port statuses and exposures against the
# measured probes; where the fixture has a trace for the same probe result, the `why` must name a deciding table
check_diff() {
    local label=$1 out=$2 exp=$3 fx_exp=${4:-$3} n i sel st allowed probe c p hp
    if ! jq -e '.ports' "$out" >/dev/null 2>&1; then
        fail "$label: no diff JSON (exit $(cat "$out.rc" 2>/dev/null); $(head -c 300 "$out.err" 2>/dev/null | tr '\n' ' '))"
        return 0
    fi
    n=$(jq '.ports | length' "$exp")
    for ((i = 0; i < n; i++)); do
        read -r c p hp probe < <(jq -r ".ports[$i] | \"\\(.container) \\(.protocol) \\(.hostPort) \\(.probe)\"" "$exp")
        allowed=$(jq -c ".ports[$i].cnifixStatus" "$exp")
        sel=".ports[] | select(.container == \"$c\" and .protocol == \"$p\" and .hostPort == $hp)"
        st=$(jq -r "[$sel][0].status // \"absent\"" "$out")
        if jq -e --arg s "$st" 'index($s) != null' <<< "$allowed" >/dev/null; then
            pass "$label: $c $p/$hp is $st (real probe: $probe)"
        else
            fail "$label: $c $p/$hp is $st, the real probe $probe allows $allowed ($(jq -r "[$sel][0].why // \"\"" "$out" | head -c 160))"
        fi
        # the explanation names what the kernel's trace shows deciding (the fixture's "measured", same probe only):
        # a drop => its table and chain; an accept => one of the tables whose rules accepted it
        local m fxp kind want
        m=$(jq -r --arg c "$c" --arg p "$p" --argjson hp "$hp" \
            '[.ports[] | select(.container == $c and .protocol == $p and .hostPort == $hp)][0]
             | select(.hostIp == "" and .measured != null)
             | [.probe, .measured.outcome, (if .measured.outcome == "accept" then (.measured.decidingTables | join(" "))
                                              else (.measured.chain | split(" ")[1:] | join(" ")) end)] | join(" ")' "$fx_exp")
        read -r fxp kind want <<< "$m"
        if [ -n "$want" ] && [ "$fxp" = "$probe" ]; then
            local text t named=0
            text=$(jq -c "[$sel][0] | [.why, .decidedBy]" "$out")
            if [ "$kind" = accept ]; then
                for t in $want; do _names "$text" "$t" && named=1; done
            else
                _names "$text" "${want%% *}" && _names "$text" "${want#* }" && named=1
            fi
            if [ $named = 1 ]; then pass "$label: $c $p/$hp: why names what decided ($kind: $want)"
            else fail "$label: $c $p/$hp: why does not name what the trace shows deciding ($kind: $want)"; fi
        fi
    done
    n=$(jq '.direct | length' "$exp")
    local ip port expo found
    for ((i = 0; i < n; i++)); do
        read -r c ip p port probe expo < <(jq -r ".direct[$i] | \"\\(.container) \\(.containerIp) \\(.protocol) \\(.port) \\(.probe) \\(.exposure)\"" "$exp")
        found=$(jq --arg ip "$ip" --arg p "$p" --argjson port "$port" '
            [.exposures[]? | select(.containerIp == $ip and .protocol == $p)
             | .ports[] | tostring | split("-") | map(tonumber)
             | select(.[0] <= $port and $port <= (.[1] // .[0]))] | length > 0' "$out")
        if [ "$found" = "$expo" ]; then
            pass "$label: direct $p $ip:$port: exposure listed = $found (real probe: $probe)"
        else
            fail "$label: direct $p $ip:$port: exposure listed = $found, the real probe $probe says $expo"
        fi
    done
}

# cnifix in the engine ns: cnx NAME ARGS... -> $W/NAME (stdout), .err, .rc
cnx() {
    local name=$1; shift
    local rc=0
    ens_in timeout 240 java -jar "$JAR" "$@" > "$W/$name" 2> "$W/$name.err" || rc=$?
    echo "$rc" > "$W/$name.rc"
}

snapshot_checks() {   # snapshot_checks SHAPE: cnifix diff --snapshot on the committed fixture
    local shape=$1 fx=$repo/fixtures/$1 out rc=0
    [ -f "$fx/expected.json" ] || { fail "fixture $fx/expected.json missing"; return 0; }
    out=$(mktemp /tmp/nfl-e2e-snap.XXXXXX)
    java -jar "$JAR" diff --snapshot "$fx" --format json > "$out" 2> "$out.err" || rc=$?
    echo "$rc" > "$out.rc"
    check_diff "snapshot" "$out" "$fx/expected.json"
    rm -f "$out" "$out.err" "$out.rc"
}

live_checks() {   # live_checks SHAPE
    local shape=$1 fx=$repo/fixtures/$1 probes spec r want opts=()
    step "build the host live"
    nfs_init "$shape"
    W=$ENS_STATE/e2e; mkdir -p "$W"
    nfs_build "$shape"
    sleep 0.5
    nfs_probe "$W/probes"
    say "     probes: $(tr '\n' ';' < "$W/probes")"
    # the live expectations, written the capture script's way from the live probes
    NFS_POLICY=${NFS_POLICY:-}
    write_expected_live "$W/expected.json" "$W/probes"
    if [ -f "$fx/expected.json" ]; then
        while read -r spec r; do
            want=$(jq -r --arg s "$spec" '
                ([.ports[] | select("\(.protocol):\(env.NFL_E):\(.hostPort)" == $s) | .probe]
                 + [.direct[] | select("\(.protocol):\(.containerIp):\(.port)" == $s) | .probe])[0] // "absent"' \
                "$fx/expected.json")
            if [ "$want" = "$r" ]; then pass "live probe $spec = $r, as in the fixture"
            else fail "live probe $spec = $r, the fixture says $want"; fi
        done < "$W/probes"
    fi
    if [ "$NFS_ENGINE" = podman ]; then opts=(--podman "$(ens_podman_wrapper)" --docker none)
    else opts=(--docker "$ENS_DOCKER_BIN" --docker-host "unix://$ENS_DOCKER_SOCK" --podman none); fi
    step "cnifix diff --format json, live in the engine namespace"
    cnx diff.json diff --format json "${opts[@]}"
    check_diff "live" "$W/diff.json" "$W/expected.json" "$fx/expected.json"
    snapshot_live_checks
    case $shape in admin-nft-*) nft_before_checks ;; esac
    apply_checks
    case $shape in admin-nft-*) nft_after_checks ;; esac
    reload_checks
    prune_checks
    nfs_teardown
}

# snapshot_live_checks: cnifix snapshot of the live host keeps firewalld's own view (when it runs) and the netavark
# driver the rules show, and judges every port as the live diff did
snapshot_live_checks() {
    cnx snap.out snapshot "$W/snap" "${opts[@]}"
    if [ "$(cat "$W/snap.out.rc")" != 0 ]; then fail "cnifix snapshot: exit $(cat "$W/snap.out.rc")"; return 0; fi
    if [ "$NFS_FIREWALLD" = 1 ]; then
        if grep -q '^public' "$W/snap/firewalld/list-all-zones.txt" 2>/dev/null && grep -qx running "$W/snap/firewalld/state.txt" \
            && jq -e '.firewalld | test("^[0-9]")' "$W/snap/manifest.json" >/dev/null; then
            pass "snapshot keeps firewalld's state (zones, version in the manifest)"
        else
            fail "snapshot lacks firewalld's state: $(ls "$W/snap/firewalld" 2>&1 | tr '\n' ' ')"
        fi
    elif [ -e "$W/snap/firewalld" ]; then
        fail "snapshot has a firewalld/ directory although firewalld does not run"
    fi
    case $shape in
        netavark-nft-*|admin-nft-netavark) want_driver=nftables ;;
        *netavark*) want_driver=iptables ;;
        *) want_driver=null ;;
    esac
    local got_driver
    got_driver=$(jq -r '.tools["netavark-firewall-driver"]' "$W/snap/manifest.json")
    if [ "$got_driver" = "$want_driver" ]; then pass "manifest: netavark firewall driver $got_driver"
    else fail "manifest: netavark firewall driver $got_driver, expected $want_driver"; fi
    java -jar "$JAR" diff --snapshot "$W/snap" --format json > "$W/snapdiff.json" 2>/dev/null || true
    if [ "$(jq -c '[.ports[] | [.container, .protocol, .hostPort, .status]]' "$W/snapdiff.json")" \
        = "$(jq -c '[.ports[] | [.container, .protocol, .hostPort, .status]]' "$W/diff.json")" ]; then
        pass "diff --snapshot of the live snapshot gives the live statuses"
    else
        fail "diff --snapshot of the live snapshot differs from the live diff"
    fi
}

# apply_checks: where the live diff found gaps, one suggest --apply makes exactly those ports answer (both
# directions: the engine's own reply accept may live in another table), direct probes keep their fate, and a second
# run changes nothing
apply_checks() {
    local gaps spec r before proto ip port st
    gaps=$(jq '[.ports[] | select(.status == "gap")] | length' "$W/diff.json" 2>/dev/null || echo 0)
    [ "$gaps" -gt 0 ] || return 0
    failing_backend_checks
    step "cnifix suggest --apply ($gaps gap(s))"
    cnx apply1 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    if [ "$(cat "$W/apply1.rc")" = 0 ]; then pass "suggest --apply: exit 0"
    else fail "suggest --apply: exit $(cat "$W/apply1.rc"): $(tail -3 "$W/apply1.err" | tr '\n' ' ')"; return 0; fi
    nfs_probe "$W/probes2"
    while read -r spec r; do
        before=$(awk -v s="$spec" '$1 == s { print $2 }' "$W/probes")
        IFS=: read -r proto ip port <<< "$spec"
        if [ "$ip" = "$ENS_ENGINE_IP" ]; then
            st=$(jq -r --arg p "$proto" --argjson hp "$port" '[.ports[] | select(.protocol == $p and .hostPort == $hp)][0].status // "absent"' "$W/diff.json")
            if [ "$st" = gap ]; then
                case $r in answers|reached) pass "after apply: published $spec answers ($r; was $before)" ;;
                    *) fail "after apply: published $spec is $r (was $before, diff said gap)" ;; esac
                continue
            fi
        fi
        if [ "$r" = "$before" ]; then pass "after apply: $spec unchanged ($r)"
        else fail "after apply: $spec changed from $before to $r"; fi
    done < "$W/probes2"
    ens_in iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//' > "$W/ipt-after-apply"
    cnx apply2 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    if [ "$(cat "$W/apply2.rc")" = 0 ] && grep -q "^Nothing to do" "$W/apply2" \
        && diff -q "$W/ipt-after-apply" <(ens_in iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//') >/dev/null; then
        pass "a second suggest --apply changes nothing"
    else
        fail "a second suggest --apply: exit $(cat "$W/apply2.rc"), $(tail -2 "$W/apply2.err" | tr '\n' ' ')"
    fi
    cnx diff2.json diff --format json "${opts[@]}"
    if jq -e '.summary.gap == 0' "$W/diff2.json" >/dev/null 2>&1; then pass "diff after the apply: no gap"
    else fail "diff after the apply: $(jq -c '.summary' "$W/diff2.json" 2>/dev/null)"; fi
}

# firewall_state FILE: everything an apply may change, without counters: iptables and ip6tables, the whole nft
# ruleset (stateless), and where firewalld runs its runtime and permanent direct rules and policies
firewall_state() {
    {
        # (an empty ip6tables-save leaves grep nothing to print: its status 1 is no error here)
        ens_in iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//' || true
        ens_in ip6tables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//' || true
        # native tables only: iptables-nft's own (ip filter, ip6 nat, ...) are in the dumps above, and nft prints
        # their rules translated, without the comment that marks cnifix's
        local fam name
        while read -r fam name; do
            ens_in nft -s list table "$fam" "$name" || true
        done < <(ens_in nft list tables | awk '{print $2, $3}' \
                 | grep -Ev '^(ip|ip6) (filter|nat|raw|mangle|security)$' || true)
        if [ "$NFS_FIREWALLD" = 1 ]; then
            ens_in firewall-cmd --direct --get-all-rules || true
            ens_in firewall-cmd --permanent --direct --get-all-rules || true
            ens_in firewall-cmd --get-policies || true
            ens_in firewall-cmd --permanent --get-policies || true
        fi
    } > "$1" 2>&1
}

# failing_backend_checks: every back end's change command made to fail right after it did its work (the worst
# case: the change is in, the tool says it failed): suggest --apply exits 4 and leaves every firewall as it was
failing_backend_checks() {
    local real tool
    mkdir -p "$W/failing"
    for tool in iptables-restore ip6tables-restore nft firewall-cmd; do
        real=$(command -v "$tool" || echo "/usr/sbin/$tool")
        # reads pass through; a change runs for real, then reports failure
        cat > "$W/failing/$tool" <<WRAP
#!/bin/sh
case " \$* " in
    *" --noflush "*|*" -f "*|*" --add-"*|*" --remove-"*|*" --new-policy "*|*" --delete-policy "*) "$real" "\$@"; echo "cnifix test: $tool made to fail" >&2; exit 1 ;;
esac
exec "$real" "\$@"
WRAP
        chmod 755 "$W/failing/$tool"
    done
    firewall_state "$W/state-before-fail"
    CNIFIX_IPTABLES_RESTORE=$W/failing/iptables-restore CNIFIX_IP6TABLES_RESTORE=$W/failing/ip6tables-restore \
        CNIFIX_NFT=$W/failing/nft CNIFIX_FIREWALL_CMD=$W/failing/firewall-cmd \
        cnx applyfail suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    firewall_state "$W/state-after-fail"
    if [ "$(cat "$W/applyfail.rc")" = 4 ] && cmp -s "$W/state-before-fail" "$W/state-after-fail"; then
        pass "a failing back end: suggest --apply exits 4 and every firewall is as it was"
    else
        fail "a failing back end: exit $(cat "$W/applyfail.rc") ($(grep -v '^$' "$W/applyfail.err" | tail -2 | tr '\n' ' ')); state diff: $(diff "$W/state-before-fail" "$W/state-after-fail" | head -6 | tr '\n' ' ')"
    fi
}

# prune_checks: after the engine removes a container whose port cnifix opened, prune --apply removes exactly that
# container's rules (in whichever back end holds them) and keeps every other rule cnifix owns
prune_checks() {
    [ -f "$W/probes2" ] || return 0
    local gone=multi kept_before kept_after
    jq -e --arg c "$gone" '[.ports[] | select(.container == $c and .status == "gap")] | length > 0' "$W/diff.json" >/dev/null 2>&1 || return 0
    step "$NFS_ENGINE rm -f $gone, then cnifix prune --apply"
    firewall_state "$W/state-before-rm"
    kept_before=$(grep -c 'cnifix: web ' "$W/state-before-rm" || true)
    if [ "$NFS_ENGINE" = podman ]; then ens_podman rm -f "$gone" >/dev/null 2>&1; else ens_docker rm -f "$gone" >/dev/null 2>&1; fi
    firewall_state "$W/state-after-rm"
    cnx prune1 prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    firewall_state "$W/state-after-prune"
    kept_after=$(grep -c 'cnifix: web ' "$W/state-after-prune" || true)
    if [ "$(cat "$W/prune1.rc")" = 0 ] && ! grep -q "cnifix: $gone " "$W/state-after-prune" && [ "$kept_after" = "$kept_before" ]; then
        pass "prune --apply after rm: $gone's rules gone, web's $kept_after kept"
    else
        fail "prune --apply after rm: exit $(cat "$W/prune1.rc"), $gone's left: $(grep -c "cnifix: $gone " "$W/state-after-prune"), web's $kept_before -> $kept_after ($(tail -2 "$W/prune1.err" | tr '\n' ' '))"
    fi
    # prune's own change, measured from the state the engine's rm left: only lines of cnifix's rules for that container
    if diff <(grep -v "cnifix: $gone " "$W/state-after-rm") <(grep -v "cnifix: $gone " "$W/state-after-prune") >/dev/null; then
        pass "prune --apply changed nothing but $gone's rules"
    else
        fail "prune --apply changed more: $(diff <(grep -v "cnifix: $gone " "$W/state-after-rm") <(grep -v "cnifix: $gone " "$W/state-after-prune") | head -6 | tr '\n' ' ')"
    fi
}

# cnifix with an environment variable, in the engine ns: cnxe NAME VAR=VALUE ARGS...
cnxe() {
    local name=$1 var=$2; shift 2
    local rc=0
    ens_in env "$var" timeout 240 java -jar "$JAR" "$@" > "$W/$name" 2> "$W/$name.err" || rc=$?
    echo "$rc" > "$W/$name.rc"
}

nft_listing() { ens_in nft -a list ruleset; }

# nft_before_checks: where the admin's own nftables chain drops, diff names it, suggest proposes nft rules in it, and
# an nft that fails (before or after committing its batch) leaves the ruleset byte for byte as it was, exit 4
nft_before_checks() {
    local n bad f
    n=$(jq '[.ports[] | select(.status == "gap") | select((.why | test("inet filter")) and (.why | test("forward")))] | length' "$W/diff.json")
    if [ "$n" -gt 0 ] && [ "$n" = "$(jq '[.ports[] | select(.status == "gap")] | length' "$W/diff.json")" ]; then
        pass "diff: every gap's why names inet filter forward ($n)"
    else
        fail "diff: gaps whose why does not name inet filter forward: $(jq -c '[.ports[] | select(.status == "gap") | .why]' "$W/diff.json" | head -c 300)"
    fi
    cnx sug.json suggest --format json "${opts[@]}"
    bad=$(jq '[.rules[] | select(.backend != "nft" or .table != "inet filter" or .chain != "forward")] | length' "$W/sug.json" 2>/dev/null || echo x)
    if [ "$bad" = 0 ] && [ "$(jq '.rules | length' "$W/sug.json")" -gt 0 ] && jq -e '.proven' "$W/sug.json" >/dev/null; then
        pass "suggest: $(jq '.rules | length' "$W/sug.json") nft rule(s) in inet filter forward, proven"
    else
        fail "suggest: not only nft rules in inet filter forward: $(head -c 400 "$W/sug.json") $(head -c 200 "$W/sug.json.err")"
    fi
    cnx sug.nft suggest --format nft "${opts[@]}"
    if grep -Eq '^nft (add rule inet filter forward position [0-9]+|insert rule inet filter forward) ' "$W/sug.nft"; then pass "suggest --format nft prints nft commands"
    else fail "suggest --format nft: $(head -c 300 "$W/sug.nft") $(head -c 200 "$W/sug.nft.err")"; fi
    for f in "fails:cat >/dev/null; exit 1" "commits-then-fails:nft \"\$@\"; exit 3"; do
        printf '#!/bin/sh\ncase "$1" in -f) %s;; *) exec nft "$@";; esac\n' "${f#*:}" > "$W/nft-${f%%:*}"
        chmod 0755 "$W/nft-${f%%:*}"
        nft_listing > "$W/nft-before"
        cnxe fail-${f%%:*} "CNIFIX_NFT=$W/nft-${f%%:*}" suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
        if [ "$(cat "$W/fail-${f%%:*}.rc")" = 4 ] && diff -q "$W/nft-before" <(nft_listing) >/dev/null; then
            pass "an nft that ${f%%:*}: exit 4, nft -a list ruleset byte-identical"
        else
            fail "an nft that ${f%%:*}: exit $(cat "$W/fail-${f%%:*}.rc"), ruleset $(diff -q "$W/nft-before" <(nft_listing) >/dev/null && echo same || echo CHANGED): $(tail -2 "$W/fail-${f%%:*}.err" | tr '\n' ' ')"
        fi
    done
}

# nft_after_checks: the second apply left nft unchanged; after `podman rm` of one container, prune --apply removes
# exactly its nft rules by handle and nothing else
nft_after_checks() {
    local before after
    [ -f "$W/probes2" ] || return 0
    nft_listing > "$W/nft-applied"
    cnx apply3 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    if [ "$(cat "$W/apply3.rc")" = 0 ] && diff -q "$W/nft-applied" <(nft_listing) >/dev/null; then
        pass "another suggest --apply leaves nft -a list ruleset as it was"
    else
        fail "another suggest --apply: exit $(cat "$W/apply3.rc"), nft ruleset $(diff -q "$W/nft-applied" <(nft_listing) >/dev/null && echo same || echo CHANGED)"
    fi
    if ls "$W/backups"/*.nft >/dev/null 2>&1 && [ "$(stat -c %a "$(ls "$W/backups"/*.nft | head -1)")" = 600 ]; then
        pass "the apply saved the nft ruleset (0600) before changing it"
    else
        fail "no 0600 .nft backup in $W/backups: $(ls -l "$W/backups" 2>&1 | tr '\n' ' ')"
    fi
    # --persist: the owned nft rules as add rule lines in a marked block of cnifix's own file, the include line printed
    local owned_n
    cnx persist suggest --apply --persist --persist-nft-file "$W/persist-nft/cnifix.nft" --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    owned_n=$(nft_listing | grep -c 'comment "cnifix: ' || true)
    if [ "$(cat "$W/persist.rc")" = 0 ] && [ "$(grep -c '^add rule inet filter forward .* comment "cnifix: ' "$W/persist-nft/cnifix.nft" 2>/dev/null)" = "$owned_n" ] \
        && grep -qx '# BEGIN cnifix' "$W/persist-nft/cnifix.nft" && grep -q "include \"$W/persist-nft/cnifix.nft\"" "$W/persist.err" \
        && unshare -n sh -c 'nft -f "$0" && nft -f "$1"' "$NFS_ADMIN_NFT" "$W/persist-nft/cnifix.nft" \
        && diff -q "$W/nft-applied" <(nft_listing) >/dev/null; then
        pass "--persist: $owned_n add rule line(s) between the markers (they load after the admin's table, in a throw-away netns), the include line printed, the live ruleset untouched"
    else
        fail "--persist: exit $(cat "$W/persist.rc"); $(head -c 300 "$W/persist-nft/cnifix.nft" 2>&1); $(tail -2 "$W/persist.err" | tr '\n' ' ')"
    fi
    ens_podman rm -f web >/dev/null 2>&1 || true
    nft_listing > "$W/nft-before-prune"
    cnx prune prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}"
    nft_listing > "$W/nft-after-prune"
    before=$(grep -c 'comment "cnifix: web tcp/8080"' "$W/nft-before-prune" || true)
    if [ "$(cat "$W/prune.rc")" = 0 ] && [ "$before" -gt 0 ] \
        && diff -q <(grep -v 'comment "cnifix: web tcp/8080"' "$W/nft-before-prune") "$W/nft-after-prune" >/dev/null; then
        pass "podman rm web; prune --apply removed exactly web's $before nft rule(s), by handle, nothing else"
    else
        fail "prune --apply: exit $(cat "$W/prune.rc") ($(tail -2 "$W/prune.err" | tr '\n' ' ')); diff: $(diff <(grep -v 'comment "cnifix: web tcp/8080"' "$W/nft-before-prune") "$W/nft-after-prune" | head -5 | tr '\n' ' ')"
    fi
}

# reload_checks: where firewalld runs, `firewall-cmd --reload` flushes every iptables table (the engine's DNAT and
# cnifix's rules with it); with `cnifix watch` running (it follows firewalld's Reloaded signal on the system bus of
# this host's mount namespace) every port the apply opened answers again, with no manual step
reload_checks() {
    [ "$NFS_FIREWALLD" = 1 ] && [ -f "$W/probes2" ] || return 0
    local opened spec r t0 t all wpid
    opened=$(awk '$2 == "answers" || $2 == "reached" { print $1 }' "$W/probes2" | grep -F ":$ENS_ENGINE_IP:" || true)
    [ -n "$opened" ] || return 0
    step "firewall-cmd --reload with cnifix watch running"
    nsenter -t "$ENS_HOLDER_PID" -m -n -- java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$JAR" watch "${opts[@]}" \
        --interval 3600 --verbose --spool-dir none --watch-lock "$W/watch.lock" --pid-file "$W/watch.pid" \
        --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" > "$W/watch.out" 2> "$W/watch.log" &
    wpid=$!
    for _ in $(seq 1 400); do grep -q 'resync (start' "$W/watch.log" && break; kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
    if ! grep -q 'resync (start' "$W/watch.log"; then
        fail "cnifix watch did not come up: $(tail -3 "$W/watch.log" | tr '\n' ' ')"; kill "$wpid" 2>/dev/null; return 0
    fi
    ens_in firewall-cmd --reload >/dev/null
    t0=$(date +%s%3N)
    # a reload flushes plain iptables rules; cnifix's rules that stay must be firewalld direct rules (firewalld re-applies those)
    if [ "$(ens_in iptables-save | grep -c 'cnifix: ' || true)" != "$(ens_in firewall-cmd --direct --get-all-rules | grep -c 'cnifix: ' || true)" ]; then
        fail "the reload left cnifix rules that are not firewalld direct rules (the lab does not reproduce the flush)"
    fi
    for _ in $(seq 1 60); do
        nfs_probe "$W/probes3"
        all=1
        for spec in $opened; do
            r=$(awk -v s="$spec" '$1 == s { print $2 }' "$W/probes3")
            case $r in answers|reached) ;; *) all=0 ;; esac
        done
        [ $all = 1 ] && break
        sleep 0.5
    done
    t=$(( $(date +%s%3N) - t0 ))
    if [ $all = 1 ]; then pass "after firewall-cmd --reload every opened port answers again, no manual step ($t ms, watch)"
    else fail "after firewall-cmd --reload: $(tr '\n' ' ' < "$W/probes3") ($t ms; watch log: $(tail -3 "$W/watch.log" | tr '\n' ' '))"; fi
    # the reload shows as firewalld's Reloaded signal or, first, as the ruleset change it makes (nft monitor): either
    # starts the repair pass, and watch folds the two into one
    if grep -Eq 'firewalld reloaded|ruleset changed' "$W/watch.log"; then pass "watch noticed the reload ($(grep -Eo 'firewalld reloaded|ruleset changed[^,;)]*' "$W/watch.log" | sort -u | tr '\n' ';'))"
    else fail "watch logged no firewall change: $(tail -5 "$W/watch.log" | tr '\n' ' ')"; fi
    kill -TERM "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null || true
}

write_expected_live() {   # minimal expected.json from live probes (same fields check_diff reads)
    local f=$1 probes=$2 name ip hip proto hp cp pub r ports="" direct=""
    while read -r name ip hip proto hp cp; do
        r=$(awk -v s="$proto:$ENS_ENGINE_IP:$hp" '$1 == s { print $2 }' "$probes")
        local a
        case $r in answers|reached|reply) a='["ok"]' ;; *) a='["gap","blocked"]' ;; esac
        [ "$hip" != - ] && a='["not-exposed"]'
        [ "$r" = refused ] && [ "$hip" = - ] && a='["missing-dnat","gap","blocked"]'
        ports+="{\"container\":\"$name\",\"protocol\":\"$proto\",\"hostPort\":$hp,\"probe\":\"$r\",\"cnifixStatus\":$a},"
    done <<< "$NFS_PORTS"
    while read -r name ip proto cp pub; do
        r=$(awk -v s="$proto:$ip:$cp" '$1 == s { print $2 }' "$probes")
        local e=false
        case $r in answers|reached|reply) e=true ;; esac
        direct+="{\"container\":\"$name\",\"containerIp\":\"$ip\",\"protocol\":\"$proto\",\"port\":$cp,\"probe\":\"$r\",\"exposure\":$e},"
    done <<< "$NFS_DIRECT"
    echo "{\"ports\":[${ports%,}],\"direct\":[${direct%,}]}" | jq . > "$f"
}

final() {
    local rc=$?
    set +e
    exec 1>&9 2>&8
    nfs_teardown
    SCN=final
    root_unchanged "the machine's own namespace, nft ruleset, /run/dbus and /etc/firewalld are unchanged" \
        "the machine's own namespace CHANGED"
    # set -e ends the script with the failing command's status, often 1: only a run that reached its end counts
    [ "${COMPLETED:-0}" = 1 ] || fail "aborted (exit $rc) before every shape was checked"
    say "e2e-nft: $PASSED passed, $FAILED failed ($(( $(date +%s) - T0 )) s)"
    say "$PASSED passed, $FAILED failed"
    [ $FAILED -eq 0 ] && exit 0
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "e2e-nft.sh: run as root" >&2; exit 1; }
exec 9>&1 8>&2
ENS_STATE=""
trap final EXIT
trap 'exit 130' INT TERM
export NFL_E=$ENS_ENGINE_IP
ens_install_packages
build_jar
ens_root_snapshot "$(mktemp /tmp/nfl-e2e-root.XXXXXX)"
for s in "${shapes[@]}"; do
    SCN=$s
    t=$SECONDS
    step "cnifix diff --snapshot fixtures/$s"
    snapshot_checks "$s"
    if [ $LIVE = 1 ]; then live_checks "$s"; fi
    say "---- [$SCN] done in $((SECONDS - t)) s"
done
COMPLETED=1
