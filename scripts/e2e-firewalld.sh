#!/usr/bin/env bash
#
# e2e-firewalld.sh - cnifix's firewalld back end against real firewalld 1.3, real Podman and real connections, on the
# host shapes where firewalld runs and a port has a gap (scripts/lib/nft-shapes.sh; default: firewalld-drop-netavark,
# firewalld + the admin's iptables FORWARD DROP + netavark 1.4).
#
# Per shape, in throw-away namespaces (prefix $NFS_PREFIX, default wfd-):
#   1. the published ports time out; `suggest --format firewall-cmd` prints firewalld direct rules
#   2. a failing back end (CNIFIX_FIREWALL_CMD: a firewall-cmd that fails from its second --add-rule on) makes
#      `suggest --apply` exit 4 and leaves firewalld's runtime and permanent direct rules and iptables as they were
#   3. `suggest --apply` installs direct rules (runtime AND permanent, no plain iptables rule): every gap port answers
#      from the client namespace, unpublished ports and direct routes keep their fate; a second apply changes nothing
#   4. `firewall-cmd --reload` WITHOUT cnifix watch: the direct rules are back in iptables through firewalld alone; the
#      ports are missing-dnat and the why names netavark and `podman network reload --all`
#   5. `firewall-cmd --reload` WITH cnifix watch running: every opened port answers again, no manual step, and cnifix's
#      rules are not doubled
#   6. `status` names the rules' back end "firewalld direct"; `podman rm` + `prune --apply` removes exactly that
#      container's direct rules, runtime and permanent (and a plain iptables rule of cnifix's, through firewalld's
#      passthrough); `uninstall --apply` removes the rest
# The machine's own namespace, nft ruleset, /run/dbus and /etc/firewalld are compared before and after.
#
# Usage (root, Debian 12):  scripts/e2e-firewalld.sh [SHAPE...]
# Time: about 90 s per shape on a 2-core VM (firewalld start, containers, ~12 JVM starts, two reloads).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
. "$here/lib/engines-netns.sh"
. "$here/lib/firewalld-netns.sh"
. "$here/lib/nft-engines.sh"
. "$here/lib/nft-shapes.sh"
ENS_PACKAGES+=(firewalld dbus python3 jq)
export NFS_PREFIX=${NFS_PREFIX:-wfd}

shapes=()
for a in "$@"; do
    case $a in
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) nfs_short "$a" >/dev/null || { echo "unknown shape: $a" >&2; exit 2; }; shapes+=("$a") ;;
    esac
done
[ ${#shapes[@]} -gt 0 ] || shapes=(firewalld-drop-netavark)
PROBE_TIMEOUT=${PROBE_TIMEOUT:-2}

. "$here/lib/e2e-common.sh"


# cnx NAME [VAR=VALUE...] -- ARGS...: cnifix in the engine ns -> $W/NAME (stdout), .err, .rc
cnx() {
    local name=$1 envs=() rc=0
    shift
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    ens_in env "${envs[@]}" timeout 240 java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$JAR" "$@" \
        > "$W/$name" 2> "$W/$name.err" || rc=$?
    echo "$rc" > "$W/$name.rc"
}
rc() { cat "$W/$1.rc"; }
APPLY=()

# the direct rules of one configuration, one a line, sorted (firewall-cmd's own order is by priority then insertion)
direct() { ens_in firewall-cmd ${1:+--permanent} --direct --get-all-rules | sort; }
owned_direct() { direct "${1:-}" | grep -c 'cnifix: ' || true; }
ipt() { ens_in iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }
ipt_owned() { ens_in iptables-save -t filter | grep 'cnifix: ' || true; }

# gap ports from a diff: "proto:ENGINE_IP:port" lines
gap_specs() { jq -r --arg e "$ENS_ENGINE_IP" '.ports[] | select(.status == "gap") | "\(.protocol):\($e):\(.hostPort)"' "$1"; }

probe_ok() {   # probe_ok FILE SPEC: the spec answered (tcp) or reached the container (udp)
    case $(awk -v s="$2" '$1 == s { print $2 }' "$1") in answers|reached) return 0 ;; *) return 1 ;; esac
}

shape_checks() {
    local shape=$1 spec r before gaps n
    step "build the host live"
    nfs_init "$shape"
    W=$ENS_STATE/e2e; mkdir -p "$W"
    nfs_build "$shape"
    [ "$NFS_FIREWALLD" = 1 ] || { fail "$shape: firewalld does not run on this shape"; nfs_teardown; return 0; }
    sleep 0.5
    opts=(--podman "$(ens_podman_wrapper)" --docker none)
    [ "$NFS_ENGINE" = docker ] && opts=(--docker "$ENS_DOCKER_BIN" --docker-host "unix://$ENS_DOCKER_SOCK" --podman none)
    APPLY=(--backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${opts[@]}")
    nfs_probe "$W/probes0"
    cnx diff0.json -- diff --format json "${opts[@]}"
    gap_specs "$W/diff0.json" > "$W/gaps"
    gaps=$(grep -c . "$W/gaps" || true)
    if [ "$gaps" -gt 0 ]; then pass "diff finds $gaps gap(s): $(tr '\n' ' ' < "$W/gaps")"
    else fail "diff finds no gap: $(jq -c .summary "$W/diff0.json" 2>/dev/null)"; nfs_teardown; return 0; fi
    while read -r spec; do
        if probe_ok "$W/probes0" "$spec"; then fail "before: $spec answers already"; else pass "before: $spec does not answer"; fi
    done < "$W/gaps"

    step "suggest --format firewall-cmd"
    cnx fwcmd -- suggest --format firewall-cmd "${opts[@]}"
    n=$(grep -c '^firewall-cmd --direct --add-rule ipv4 filter FORWARD ' "$W/fwcmd" || true)
    if [ "$(rc fwcmd)" = 1 ] && [ "$n" -ge "$gaps" ] && [ "$(grep -c '^firewall-cmd --permanent --direct --add-rule ' "$W/fwcmd")" = "$n" ] \
        && ! grep -qv '^firewall-cmd ' "$W/fwcmd"; then
        pass "suggest --format firewall-cmd: $n direct rule(s), runtime and permanent"
    else
        fail "suggest --format firewall-cmd (exit $(rc fwcmd)): $(head -3 "$W/fwcmd" | tr '\n' ' ')"
    fi

    step "a failing firewall-cmd (second --add-rule fails): exit 4, everything as it was"
    cat > "$W/failing-firewall-cmd" <<EOF
#!/bin/sh
case " \$* " in
    *" --add-rule "*)
        n=\$(cat "$W/add-calls" 2>/dev/null || echo 0); n=\$((n + 1)); echo "\$n" > "$W/add-calls"
        if [ "\$n" -ge 2 ]; then echo "Error: injected failure of add-rule call \$n" >&2; exit 99; fi ;;
esac
exec firewall-cmd "\$@"
EOF
    chmod 755 "$W/failing-firewall-cmd"
    direct > "$W/rt0"; direct p > "$W/pm0"; ipt > "$W/ipt0"
    cnx fail CNIFIX_FIREWALL_CMD="$W/failing-firewall-cmd" -- suggest --apply "${APPLY[@]}"
    if [ "$(rc fail)" = 4 ]; then pass "suggest --apply with a failing firewall-cmd: exit 4"
    else fail "suggest --apply with a failing firewall-cmd: exit $(rc fail): $(tail -3 "$W/fail.err" | tr '\n' ' ')"; fi
    if [ "$(cat "$W/add-calls" 2>/dev/null)" -ge 2 ] 2>/dev/null; then pass "the failure hit after a first rule was added ($(cat "$W/add-calls") add calls)"
    else fail "the injected failure never came into play ($(cat "$W/add-calls" 2>/dev/null || echo 0) add calls)"; fi
    if diff -u "$W/rt0" <(direct) >&2 && diff -u "$W/pm0" <(direct p) >&2 && diff -u "$W/ipt0" <(ipt) >&2; then
        pass "after the failed apply: runtime and permanent direct rules and iptables are as they were"
    else
        fail "after the failed apply: firewalld's direct rules or iptables changed (diff above)"
    fi

    step "suggest --apply"
    cnx apply1 -- suggest --apply "${APPLY[@]}"
    if [ "$(rc apply1)" = 0 ]; then pass "suggest --apply: exit 0"
    else fail "suggest --apply: exit $(rc apply1): $(tail -3 "$W/apply1.err" | tr '\n' ' ')"; nfs_teardown; return 0; fi
    local rt pm io
    rt=$(owned_direct) pm=$(owned_direct p) io=$(ipt_owned | grep -c . || true)
    if [ "$rt" -ge "$gaps" ] && [ "$rt" = "$pm" ] && [ "$io" = "$rt" ]; then
        pass "cnifix's rules are firewalld direct rules: $rt runtime, $pm permanent, $io in iptables"
    else
        fail "direct rules: $rt runtime, $pm permanent, $io cnifix rules in iptables (want equal, >= $gaps)"
    fi
    if ipt_owned | grep -qv '^-A FORWARD '; then fail "a cnifix rule outside the built-in FORWARD chain: $(ipt_owned | grep -v '^-A FORWARD ' | head -1)"
    else pass "every cnifix rule sits in the built-in FORWARD chain (firewalld re-applies it there after a reload)"; fi
    nfs_probe "$W/probes1"
    while read -r spec r; do
        before=$(awk -v s="$spec" '$1 == s { print $2 }' "$W/probes0")
        if grep -qxF "$spec" "$W/gaps"; then
            case $r in answers|reached) pass "after apply: $spec answers ($r; was $before), both directions" ;;
                *) fail "after apply: $spec is $r (was $before)" ;; esac
        elif [ "$r" = "$before" ]; then pass "after apply: $spec unchanged ($r)"
        else fail "after apply: $spec changed from $before to $r"; fi
    done < "$W/probes1"
    direct > "$W/rt1"; direct p > "$W/pm1"; ipt > "$W/ipt1"
    cnx apply2 -- suggest --apply "${APPLY[@]}"
    if [ "$(rc apply2)" = 0 ] && grep -q '^Nothing to do' "$W/apply2" && diff -q "$W/rt1" <(direct) >/dev/null \
        && diff -q "$W/pm1" <(direct p) >/dev/null && diff -q "$W/ipt1" <(ipt) >/dev/null; then
        pass "a second suggest --apply changes nothing"
    else
        fail "a second suggest --apply: exit $(rc apply2), $(head -2 "$W/apply2" | tr '\n' ' ')"
    fi

    step "firewall-cmd --reload without cnifix watch"
    fwn_reload
    if [ "$(ipt_owned | grep -c . || true)" = "$rt" ] && diff -q "$W/rt1" <(direct) >/dev/null; then
        pass "after the reload, firewalld itself put cnifix's $rt direct rule(s) back into iptables (no watch running)"
    else
        fail "after the reload: $(ipt_owned | grep -c . || true) cnifix rules in iptables, want $rt"
    fi
    cnx diff1.json -- diff --format json "${opts[@]}"
    local why
    why=$(jq -r '[.ports[] | select(.status == "missing-dnat")][0].why // ""' "$W/diff1.json")
    if [ "$NFS_ENGINE" = podman ] && [[ $why == *"podman network reload --all"* ]] \
        && { [ "$shape" != firewalld-drop-netavark ] || [[ $why == *netavark* ]]; }; then
        pass "the engine's DNAT is gone; missing-dnat names the engine and its command: ${why:0:140}..."
    elif [ "$NFS_ENGINE" = docker ]; then
        pass "Docker: $(jq -c .summary "$W/diff1.json")"
    else
        fail "missing-dnat why after the reload: '$why' ($(jq -c .summary "$W/diff1.json" 2>/dev/null))"
    fi

    step "firewall-cmd --reload with cnifix watch running"
    local wpid all t0 t
    nsenter -t "$ENS_HOLDER_PID" -m -n -- java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$JAR" watch "${opts[@]}" \
        --interval 3600 --verbose --spool-dir none --watch-lock "$W/watch.lock" --pid-file "$W/watch.pid" \
        --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" > "$W/watch.out" 2> "$W/watch.log" &
    wpid=$!
    for _ in $(seq 1 400); do grep -q 'resync (start' "$W/watch.log" && break; kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
    # watch's first pass repairs the DNAT the reload above removed; then a reload while it runs
    for _ in $(seq 1 120); do nfs_probe "$W/probes2"; all=1
        while read -r spec; do probe_ok "$W/probes2" "$spec" || all=0; done < "$W/gaps"
        [ $all = 1 ] && break; sleep 0.5; done
    fwn_reload
    t0=$(date +%s%3N)
    for _ in $(seq 1 120); do
        nfs_probe "$W/probes3"; all=1
        while read -r spec; do probe_ok "$W/probes3" "$spec" || all=0; done < "$W/gaps"
        [ $all = 1 ] && break
        sleep 0.5
    done
    t=$(( $(date +%s%3N) - t0 ))
    if [ $all = 1 ]; then pass "after firewall-cmd --reload every opened port answers again, no manual step ($t ms, watch)"
    else fail "after firewall-cmd --reload: $(tr '\n' ' ' < "$W/probes3") ($t ms; watch: $(tail -3 "$W/watch.log" | tr '\n' ' '))"; fi
    kill -TERM "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null || true
    if [ "$(ipt_owned | grep -c . || true)" = "$rt" ] && diff -q "$W/rt1" <(direct) >/dev/null && diff -q "$W/pm1" <(direct p) >/dev/null; then
        pass "after reload and watch: still exactly $rt cnifix rule(s), all firewalld direct rules"
    else
        fail "after reload and watch: $(ipt_owned | grep -c . || true) cnifix rules in iptables, runtime: $(owned_direct), permanent: $(owned_direct p)"
    fi

    step "status, podman rm + prune --apply, uninstall --apply"
    cnx status.json -- status --format json "${opts[@]}"
    if jq -e --argjson n "$rt" '[.owned[] | select(.backend == "firewalld direct")] | length == $n' "$W/status.json" >/dev/null 2>&1; then
        pass "status: $rt rule(s) owned, back end firewalld direct"
    else
        fail "status: $(jq -c '[.owned[] | .backend]' "$W/status.json" 2>/dev/null)"
    fi
    local ip=$NFS_IP_web
    # a plain iptables rule of cnifix's (as a cnifix that did not know firewalld wrote it): not a direct rule, so prune
    # removes it through firewalld's passthrough
    ens_in iptables -I FORWARD 1 -d 10.88.0.99/32 -o "$NFS_BRIDGE" -p tcp -m tcp --dport 99 -m comment --comment "cnifix: ghost tcp/9999" -j ACCEPT
    ens_podman rm -f web >/dev/null 2>&1 || ens_docker rm -f web >/dev/null 2>&1 || true
    cnx prune -- prune --apply "${APPLY[@]}"
    local gone_rt gone_pm
    gone_rt=$(diff <(grep -v -- "-d $ip/32 \|-s $ip/32 " "$W/rt1") <(direct) >/dev/null && echo yes || echo no)
    gone_pm=$(diff <(grep -v -- "-d $ip/32 \|-s $ip/32 " "$W/pm1") <(direct p) >/dev/null && echo yes || echo no)
    if [ "$(rc prune)" = 0 ] && [ "$gone_rt" = yes ] && [ "$gone_pm" = yes ] && ! ipt_owned | grep -q -- "$ip/32\|ghost"; then
        pass "prune --apply after podman rm web: exactly web's direct rules are gone, runtime and permanent, and the plain one"
    else
        fail "prune --apply: exit $(rc prune), runtime exact: $gone_rt, permanent exact: $gone_pm; $(tail -2 "$W/prune.err" | tr '\n' ' ')"
    fi
    cnx uninstall -- uninstall --apply "${APPLY[@]}"
    if [ "$(rc uninstall)" = 0 ] && [ "$(owned_direct)" = 0 ] && [ "$(owned_direct p)" = 0 ] && [ -z "$(ipt_owned)" ]; then
        pass "uninstall --apply: no cnifix direct rule left, runtime or permanent"
    else
        fail "uninstall --apply: exit $(rc uninstall), runtime $(owned_direct), permanent $(owned_direct p); $(tail -2 "$W/uninstall.err" | tr '\n' ' ')"
    fi
    nfs_teardown
}

final() {
    local rc=$?
    set +e
    exec 1>&9 2>&8
    nfs_teardown
    SCN=final
    root_unchanged "the machine's own namespace, nft ruleset, /run/dbus and /etc/firewalld are unchanged" \
        "the machine's own namespace CHANGED"
    [ $rc -ne 0 ] && [ $rc -ne 1 ] && fail "aborted (exit $rc)"
    say "e2e-firewalld: $PASSED passed, $FAILED failed ($(( $(date +%s) - T0 )) s)"
    [ $FAILED -eq 0 ] && exit 0
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "e2e-firewalld.sh: run as root" >&2; exit 1; }
exec 9>&1 8>&2
ENS_STATE=""
trap final EXIT
trap 'exit 130' INT TERM
ens_install_packages
build_jar
ens_root_snapshot "$(mktemp "/tmp/$NFS_PREFIX-e2e-root.XXXXXX")"
for s in "${shapes[@]}"; do
    SCN=$s
    t=$SECONDS
    shape_checks "$s"
    say "---- [$SCN] done in $((SECONDS - t)) s"
done
