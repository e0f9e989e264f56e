#!/usr/bin/env bash
#
# e2e-engines.sh - cnifix end to end against the REAL engines: Podman 4 with CNI, Podman 4 with netavark and
# Docker 20.10 (Debian 12 packages), each inside throw-away network namespaces (scripts/lib/engines-netns.sh).
# cnifix runs LIVE inside the engine namespace (java -jar target/cnifix.jar through the namespace holder) and
# finds the containers itself; probes come from a client namespace.
#
# Usage (root, Debian 12; installs the packages it lacks):
#     scripts/e2e-engines.sh [podman-cni] [podman-netavark] [docker]     (default: all three)
#
# Per engine:
#   1. engine ns FORWARD policy DROP; containers web -p 8080:80, multi -p 8081:81/tcp -p 5353:53/udp (it also
#      serves an unpublished port 90), local -p 127.0.0.1:8082:80
#   2. cnifix diff --format json, live: Podman has gaps; Docker none (its direct routes show as exposures under
#      the current reference; with --docker-model classic it is clean, exit 0). Checked field by field (jq).
#   3. probes from the client ns: Podman's ports time out, Docker's answer
#   4. cnifix suggest --apply: the ports answer; the unpublished port and direct routes to the container do not
#      (Docker 20.10 itself lets a direct route to a published container port in: the exposure cnifix reports);
#      a second run changes nothing ("Nothing to do", exit 0)
#   5. a container is removed, cnifix prune --apply: exactly cnifix's rule for it is gone
#   6. cnifix snapshot DIR; diff --snapshot DIR --format json equals the live JSON (rule "source" names aside:
#      "iptables-save" live, "DIR/iptables-save.txt" from the snapshot; line numbers must be equal)
# Prints PASS/FAIL per check and "N passed, M failed"; exits 1 on any failure. Everything is torn down (trap),
# also on failure; the machine's own namespace is compared before/after (ens_root_snapshot/ens_root_compare).
# About 2-3 minutes on a 2-core VM once packages are installed (most of it probe timeouts and JVM starts).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=lib/engines-netns.sh
. "$here/lib/engines-netns.sh"

scenarios=()
for a in "$@"; do
    case $a in
        podman-cni|podman-netavark|docker) scenarios+=("$a") ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(podman-cni podman-netavark docker)

[ "$(id -u)" = 0 ] || { echo "e2e-engines.sh: run as root" >&2; exit 1; }

. "$here/lib/e2e-common.sh"   # the jar, PASS/FAIL, check/jcheck/eq, install_extra, build_jar

# ---------------------------------------------------------------------------------------------------------------
# running cnifix live in the engine namespace

CNX_OPTS=()   # engine options for this scenario (--podman WRAPPER / --docker ... --docker-host ...)
W=            # this scenario's work dir (inside $ENS_STATE, removed by ens_cleanup)

# cnx NAME ARGS...: run cnifix in the engine ns; NAME.out / NAME.err / NAME.rc in $W; returns 0
cnx() {
    local name=$1; shift
    local rc=0
    ens_in timeout 240 java -jar "$JAR" "$@" > "$W/$name.out" 2> "$W/$name.err" || rc=$?
    echo "$rc" > "$W/$name.rc"
    return 0
}
rc_of() { cat "$W/$1.rc"; }

ipt_save() { ens_in iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }

# probe_all NAME SPEC...: probes from the client ns into $W/NAME (lines "spec result")
probe_all() {
    local name=$1; shift
    # in a subshell: the library's `wait` must not wait for the holder or dockerd, children of this shell
    ( ens_probe_many "$@" ) > "$W/$name" || true
}
probe_result() { awk -v s="$2" '$1 == s { print $2 }' "$W/$1"; }

# ---------------------------------------------------------------------------------------------------------------
# the scenarios

ENGINE=   # podman | docker
BRIDGE=
run_container() {   # run_container NAME PUBLISH... -- CMD...
    local name=$1; shift
    local pub=()
    while [ "$1" != -- ]; do pub+=("$1"); shift; done
    shift
    if [ "$ENGINE" = podman ]; then
        ens_podman run -d --name "$name" "${pub[@]}" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" "$@" >/dev/null
    else
        ens_docker run -d --name "$name" "${pub[@]}" "$ENS_DOCKER_IMAGE" "$@" >/dev/null
    fi
}

container_ip() {
    if [ "$ENGINE" = podman ]; then
        ens_podman inspect -f '{{.NetworkSettings.IPAddress}}' "$1"
    else
        ens_docker inspect -f '{{.NetworkSettings.IPAddress}}' "$1"
    fi
}

remove_container() {
    if [ "$ENGINE" = podman ]; then ens_podman rm -f -t 0 "$1" >/dev/null; else ens_docker rm -f "$1" >/dev/null; fi
}

setup() {   # setup podman-cni|podman-netavark|docker
    case $1 in podman-cni) ens_init "e2ecni$$" ;; podman-netavark) ens_init "e2envk$$" ;; docker) ens_init "e2edkr$$" ;; esac
    W=$ENS_STATE/e2e
    mkdir -p "$W"
    ens_topology_up DROP
    ens_holder_start
    case $1 in
        podman-cni|podman-netavark)
            ENGINE=podman
            ens_podman_select pm "${1#podman-}"
            ens_podman_import
            CNX_OPTS=(--podman "$(ens_podman_wrapper)")
            ;;
        docker)
            ENGINE=docker
            ens_dockerd_start
            ens_docker_import
            CNX_OPTS=(--docker "$ENS_DOCKER_BIN" --docker-host "unix://$ENS_DOCKER_SOCK")
            ;;
    esac
    run_container web   -p 8080:80 -- httpd -f -p 80 -h /www
    run_container multi -p 8081:81/tcp -p 5353:53/udp -- sh -c 'httpd -p 90 -h /www && exec httpd -f -p 81 -h /www'
    run_container local -p 127.0.0.1:8082:80 -- httpd -f -p 80 -h /www
    WEB_IP=$(container_ip web) MULTI_IP=$(container_ip multi) LOCAL_IP=$(container_ip local)
    case $1 in podman-cni) BRIDGE=cni-podman0 ;; podman-netavark) BRIDGE=podman0 ;; docker) BRIDGE=docker0 ;; esac
    say "containers: web $WEB_IP, multi $MULTI_IP, local $LOCAL_IP (bridge $BRIDGE)"
}

# the checks of one port in a diff JSON: port_checks FILE NAME PROTO HOSTPORT CTRPORT IP STATUS
port_checks() {
    local f=$1 n=$2 p=$3 hp=$4 cp=$5 ip=$6 st=$7
    local sel=".ports[] | select(.container == \"$n\" and .protocol == \"$p\" and .hostPort == $hp)"
    jcheck "$n $p/$hp: exactly one port entry" "$f" "[$sel] | length == 1"
    jcheck "$n $p/$hp: engine $ENGINE, containerPort $cp, containerIp $ip" "$f" \
        "[$sel][0] | .engine == \"$ENGINE\" and .containerPort == $cp and .containerIp == \"$ip\""
    jcheck "$n $p/$hp: bridge $BRIDGE" "$f" "[$sel][0].bridge == \"$BRIDGE\""
    jcheck "$n $p/$hp: status $st" "$f" "[$sel][0].status == \"$st\""
}

scenario_podman() {
    local f
    step "2. cnifix diff --format json, live"
    cnx diff1 diff --format json "${CNX_OPTS[@]}"
    f=$W/diff1.out
    eq "diff exit code (gaps found)" 1 "$(rc_of diff1)"
    jcheck "summary: 3 gap, 1 not-exposed, 0 ok, 0 unknown, 0 exposures" "$f" \
        '.summary == {"ok":0,"gap":3,"blocked":0,"missingDnat":0,"notExposed":1,"unknown":0,"exposures":0}'
    jcheck "4 ports found live" "$f" '.ports | length == 4'
    port_checks "$f" web tcp 8080 80 "$WEB_IP" gap
    port_checks "$f" multi tcp 8081 81 "$MULTI_IP" gap
    port_checks "$f" multi udp 5353 53 "$MULTI_IP" gap
    port_checks "$f" local tcp 8082 80 "$LOCAL_IP" not-exposed
    jcheck "local: hostIp 127.0.0.1" "$f" '.ports[] | select(.container == "local") | .hostIp == "127.0.0.1"'
    jcheck "every gap decided by filter FORWARD policy DROP" "$f" \
        '[.ports[] | select(.status == "gap") | (.decidedBy | .table == "filter" and .chain == "FORWARD" and .policy == true and .target == "DROP")] | all'
    jcheck "every gap: one group, outcome drop, from any source, not admin" "$f" \
        '[.ports[] | select(.status == "gap") | (.sources | length == 1) and .sources[0].outcome == "drop" and .sources[0].sources == ["any"] and .sources[0].admin == false] | all'
    jcheck "gap why names the policy" "$f" '[.ports[] | select(.status == "gap") | .why | test("FORWARD policy DROP")] | all'
    cnx diff1t diff "${CNX_OPTS[@]}"
    eq "text diff: same exit code" 1 "$(rc_of diff1t)"
    check "text diff: the absent Docker daemon is a note, not an error" \
        grep -Eq "^note: (no Docker daemon answers|docker is not installed)" "$W/diff1t.err"

    step "3. probes from the client namespace before the fix"
    probe_all before tcp:8080 tcp:8081 udp:5353 tcp:8082
    eq "tcp:8080 times out" timeout "$(probe_result before tcp:8080)"
    eq "tcp:8081 times out" timeout "$(probe_result before tcp:8081)"
    eq "udp:5353 times out" timeout "$(probe_result before udp:5353)"
    eq "tcp:8082 (127.0.0.1 only) refused" refused "$(probe_result before tcp:8082)"

    step "4. cnifix suggest --apply"
    cnx apply1 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "suggest --apply exit code" 0 "$(rc_of apply1)"
    check "a backup was written" sh -c "ls '$W'/backups/cnifix-*.v4.rules"
    eq "cnifix rules installed" 3 "$(ipt_save | grep -c -- '--comment "cnifix: ' || true)"
    probe_all after tcp:8080 tcp:8081 udp:5353 tcp:8082 tcp:8090 "tcp:$MULTI_IP:90" "tcp:$MULTI_IP:81" "tcp:$WEB_IP:80"
    eq "tcp:8080 answers" 200 "$(probe_result after tcp:8080)"
    eq "tcp:8081 answers" 200 "$(probe_result after tcp:8081)"
    eq "udp:5353 reaches the container" reached "$(probe_result after udp:5353)"
    eq "tcp:8082 (127.0.0.1 only) still refused" refused "$(probe_result after tcp:8082)"
    eq "unpublished host port 8090 does not answer" refused "$(probe_result after tcp:8090)"
    eq "direct route to unpublished $MULTI_IP:90 times out" timeout "$(probe_result after "tcp:$MULTI_IP:90")"
    eq "direct route to published $MULTI_IP:81 times out" timeout "$(probe_result after "tcp:$MULTI_IP:81")"
    eq "direct route to published $WEB_IP:80 times out" timeout "$(probe_result after "tcp:$WEB_IP:80")"
    cnx diff2 diff --format json "${CNX_OPTS[@]}"
    eq "diff after the fix: exit code" 0 "$(rc_of diff2)"
    jcheck "diff after the fix: 3 ok, 1 not-exposed, no exposures" "$W/diff2.out" \
        '.summary == {"ok":3,"gap":0,"blocked":0,"missingDnat":0,"notExposed":1,"unknown":0,"exposures":0}'
    jcheck "ok ports are accepted by cnifix's rules" "$W/diff2.out" \
        '[.ports[] | select(.status == "ok") | .decidedBy.text | test("cnifix: ")] | all'
    ipt_save > "$W/ipt-before-second"
    cnx apply2 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "second suggest --apply exit code" 0 "$(rc_of apply2)"
    check "second run says nothing to change" grep -q "^Nothing to do" "$W/apply2.out"
    check "second run changed no rule" diff -q "$W/ipt-before-second" <(ipt_save)

    step "5. remove web, cnifix prune --apply"
    remove_container web
    ipt_save > "$W/ipt-before-prune"
    cnx prune1 prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "prune --apply exit code" 0 "$(rc_of prune1)"
    ipt_save > "$W/ipt-after-prune"
    diff "$W/ipt-before-prune" "$W/ipt-after-prune" | grep '^[<>]' > "$W/prune.diff" || true
    eq "prune removed one line" 1 "$(grep -c . "$W/prune.diff" || true)"
    check "the removed line is cnifix's rule for web" grep -q '^< -A .*--comment "cnifix: web tcp/8080"' "$W/prune.diff"
    check "nothing was added" sh -c "! grep -q '^>' '$W/prune.diff'"
    eq "multi's rules stay" 2 "$(grep -c -- '--comment "cnifix: multi' "$W/ipt-after-prune" || true)"
    cnx prune2 prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "second prune --apply: exit code" 0 "$(rc_of prune2)"
    check "second prune says nothing to change" grep -q "^Nothing to do" "$W/prune2.out"

    snapshot_checks
    intent_checks
}

# curl from the client namespace with a chosen source address: 200 / timeout / refused
probe_from() {   # probe_from SRC PORT
    local code rc=0
    code=$(ens_client curl -s -o /dev/null -w '%{http_code}' -m 3 --interface "$1" "http://$ENS_ENGINE_IP:$2/") || rc=$?
    case $rc in 0) echo "$code" ;; 28) echo timeout ;; 7) echo refused ;; *) echo "error$rc" ;; esac
}

intent_checks() {
    step "7. declared intent: labels, status, uninstall"
    local second=${ENS_CLIENT_IP%.*}.$(( ${ENS_CLIENT_IP##*.} + 1 ))
    ens_client ip address add "$second/$ENS_PREFIX" dev eth0
    run_container onlyme --label "io.cnifix.allow-from=$ENS_CLIENT_IP/32" -p 8083:80 -- httpd -f -p 80 -h /www
    run_container closed --label io.cnifix.skip=true -p 8084:80 -- httpd -f -p 80 -h /www
    cnx rec1 reconcile --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "reconcile with labels: exit code" 0 "$(rc_of rec1)"
    eq "onlyme answers the allowed client" 200 "$(probe_from "$ENS_CLIENT_IP" 8083)"
    eq "onlyme does not answer a second client address" timeout "$(probe_from "$second" 8083)"
    eq "closed (io.cnifix.skip) stays closed" timeout "$(probe_from "$ENS_CLIENT_IP" 8084)"
    cnx diff4 diff --format json "${CNX_OPTS[@]}"
    jcheck "diff: onlyme ok, closed blocked by its label" "$W/diff4.out" \
        '([.ports[] | select(.container == "onlyme")][0].status == "ok") and ([.ports[] | select(.container == "closed")][0] | .status == "blocked" and (.why | test("io.cnifix.skip")))'
    remove_container onlyme
    run_container onlyme --label "io.cnifix.allow-from=$ENS_CLIENT_IP/32" -p 8083:80 -- httpd -f -p 80 -h /www
    cnx rec2 reconcile --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "reconcile after the restart (new address): exit code" 0 "$(rc_of rec2)"
    eq "restarted onlyme answers the allowed client" 200 "$(probe_from "$ENS_CLIENT_IP" 8083)"
    eq "restarted onlyme still refuses the second address" timeout "$(probe_from "$second" 8083)"
    cnx status1 status --format json "${CNX_OPTS[@]}"
    eq "status exit code" 0 "$(rc_of status1)"
    eq "status lists exactly the installed cnifix rules" "$(ipt_save | grep -c -- '--comment "cnifix: ')" \
        "$(jq '.owned | length' "$W/status1.out")"
    jcheck "status: every owned rule is needed" "$W/status1.out" '[.owned[] | .needed] | all'
    cnx un1 uninstall --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "uninstall --apply exit code" 0 "$(rc_of un1)"
    eq "no cnifix rule is left" 0 "$(ipt_save | grep -c -- '--comment "cnifix: ' || true)"
    eq "onlyme times out again" timeout "$(probe_from "$ENS_CLIENT_IP" 8083)"
    eq "multi times out again" timeout "$(probe_from "$ENS_CLIENT_IP" 8081)"
    run_container badlabel --label io.cnifix.skip=perhaps -p 8085:80 -- httpd -f -p 80 -h /www
    ipt_save > "$W/ipt-before-bad"
    cnx bad1 reconcile --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "a malformed label: exit code 2" 2 "$(rc_of bad1)"
    check "the error is one line naming the container and label" \
        sh -c "[ \$(wc -l < '$W/bad1.err') = 1 ] && grep -q 'container badlabel.*io.cnifix.skip' '$W/bad1.err'"
    check "a malformed label changes nothing" diff -q "$W/ipt-before-bad" <(ipt_save)
    remove_container badlabel
}

scenario_docker() {
    local f
    step "2. cnifix diff --format json, live"
    cnx diff1 diff --format json "${CNX_OPTS[@]}"
    f=$W/diff1.out
    eq "diff exit code under the current reference (direct routes are exposures)" 1 "$(rc_of diff1)"
    jcheck "summary: 3 ok, 1 not-exposed, no gap" "$f" \
        '.summary | .ok == 3 and .gap == 0 and .blocked == 0 and .missingDnat == 0 and .notExposed == 1 and .unknown == 0'
    port_checks "$f" web tcp 8080 80 "$WEB_IP" ok
    port_checks "$f" multi tcp 8081 81 "$MULTI_IP" ok
    port_checks "$f" multi udp 5353 53 "$MULTI_IP" ok
    port_checks "$f" local tcp 8082 80 "$LOCAL_IP" not-exposed
    jcheck "ok ports are accepted by Docker's own DOCKER chain" "$f" \
        '[.ports[] | select(.status == "ok") | .decidedBy.chain == "DOCKER" and .decidedBy.table == "filter"] | all'
    jcheck "exposures: direct routes to $WEB_IP tcp 80, $MULTI_IP tcp 81 and udp 53, let in by DOCKER" "$f" \
        "([.exposures[] | \"\\(.containerIp) \\(.protocol) \\(.ports | join(\",\"))\"] | sort) as \$e
         | ([\"$WEB_IP tcp 80\", \"$MULTI_IP tcp 81\", \"$MULTI_IP udp 53\"] - \$e | length == 0)
         and ([.exposures[] | .rule.chain == \"DOCKER\"] | all)"
    cnx diff1c diff --format json --docker-model classic "${CNX_OPTS[@]}"
    eq "diff --docker-model classic: exit code" 0 "$(rc_of diff1c)"
    jcheck "classic: no exposures, no gap" "$W/diff1c.out" '.exposures == [] and .summary.gap == 0 and .summary.ok == 3'

    step "3. probes from the client namespace"
    probe_all before tcp:8080 tcp:8081 udp:5353 tcp:8082
    eq "tcp:8080 answers" 200 "$(probe_result before tcp:8080)"
    eq "tcp:8081 answers" 200 "$(probe_result before tcp:8081)"
    eq "udp:5353 reaches the container" reached "$(probe_result before udp:5353)"
    eq "tcp:8082 (127.0.0.1 only) refused" refused "$(probe_result before tcp:8082)"

    step "4. cnifix suggest --apply"
    ipt_save > "$W/ipt-before-apply"
    cnx apply1 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "suggest --apply exit code" 0 "$(rc_of apply1)"
    check "it says nothing to change" grep -q "^Nothing to do" "$W/apply1.out"
    check "no rule changed" diff -q "$W/ipt-before-apply" <(ipt_save)
    probe_all after tcp:8080 tcp:8081 udp:5353 tcp:8090 "tcp:$MULTI_IP:90" "tcp:$MULTI_IP:81"
    eq "tcp:8080 answers" 200 "$(probe_result after tcp:8080)"
    eq "tcp:8081 answers" 200 "$(probe_result after tcp:8081)"
    eq "udp:5353 reaches the container" reached "$(probe_result after udp:5353)"
    eq "unpublished host port 8090 does not answer" refused "$(probe_result after tcp:8090)"
    eq "direct route to unpublished $MULTI_IP:90 times out" timeout "$(probe_result after "tcp:$MULTI_IP:90")"
    eq "direct route to published $MULTI_IP:81 answers (Docker 20.10: the exposure diff reports)" 200 \
        "$(probe_result after "tcp:$MULTI_IP:81")"

    step "5. remove web, cnifix prune --apply"
    remove_container web
    ipt_save > "$W/ipt-before-prune"
    cnx prune1 prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "prune --apply exit code" 0 "$(rc_of prune1)"
    check "prune says nothing to change (cnifix added nothing for Docker)" grep -q "^Nothing to do" "$W/prune1.out"
    check "no rule changed" diff -q "$W/ipt-before-prune" <(ipt_save)

    snapshot_checks
}

snapshot_checks() {
    step "6. cnifix snapshot and diff --snapshot"
    local d=$W/snap
    cnx snap1 snapshot "$d" "${CNX_OPTS[@]}"
    cnx diff3 diff --format json "${CNX_OPTS[@]}"
    eq "snapshot exit code" 0 "$(rc_of snap1)"
    for f in iptables-save.txt ip6tables-save.txt ip-address.json ip-route.json ip6-route.json nft-ruleset.json manifest.json; do
        check "snapshot has $f" test -f "$d/$f"
    done
    check "snapshot has ports/" sh -c "ls '$d/ports/' | grep -q ."
    check "snapshot has networks/" sh -c "ls '$d/networks/' | grep -q ."
    jcheck "manifest: host, time, tools (iptables, kernel, $ENGINE)" "$d/manifest.json" \
        ".host != null and (.time | test(\"^20[0-9-]+T\")) and .tools.iptables != null and .tools.kernel != null and .tools.$ENGINE != null"
    eq "snapshot dir mode" 700 "$(stat -c %a "$d")"
    cnx diffs diff --snapshot "$d" --format json
    eq "diff --snapshot exit code equals the live one" "$(rc_of diff3)" "$(rc_of diffs)"
    # File names differ by nature (live: "iptables-save"; snapshot: ".../iptables-save.txt"), in "source" and inside "why".
    local norm='walk(if type == "object" and has("source") then .source |= (sub(".*/"; "") | sub("\\.txt$"; "")) else . end)
        | walk(if type == "object" and has("why") and (.why | type) == "string" then .why |= gsub("\\((/[^ ]*/)?(?<f>[a-z0-9-]+)(\\.txt)?:(?<l>[0-9]+)\\)"; "(\(.f):\(.l))") else . end)'
    jcheck "live diff JSON parses" "$W/diff3.out" '.ports | length > 0'
    jcheck "snapshot diff JSON parses" "$W/diffs.out" '.ports | length > 0'
    if diff <(jq -S "$norm" "$W/diff3.out") <(jq -S "$norm" "$W/diffs.out") > "$W/snap.diff" \
        && [ -s "$W/diff3.out" ]; then
        pass "diff --snapshot JSON equals the live JSON (rule source names aside)"
    else
        fail "diff --snapshot JSON differs from the live JSON:"; head -40 "$W/snap.diff"
    fi
    jcheck "live JSON names the live dump as rule source" "$W/diff3.out" \
        '[.. | objects | select(has("source")) | .source] | all(. == "iptables-save" or . == "ip6tables-save")'
    cnx snap2 snapshot "$d" "${CNX_OPTS[@]}"
    eq "snapshot refuses a non-empty directory (exit 2)" 2 "$(rc_of snap2)"
    cnx snap3 snapshot "$d" --force "${CNX_OPTS[@]}"
    eq "snapshot --force replaces it" 0 "$(rc_of snap3)"
}

run_scenario() {
    SCN=$1
    local t=$SECONDS
    step "1. set up: FORWARD policy DROP, containers web, multi, local"
    setup "$1"
    eq "engine ns FORWARD policy" "DROP" "$(ens_in iptables -S FORWARD | awk '$1 == "-P" { print $3 }')"
    case $1 in podman-*) scenario_podman ;; docker) scenario_docker ;; esac
    ens_cleanup
    check "engine and client namespaces are gone" sh -c "! ip netns list | grep -q -- '-$ENS_ID\$'"
    say "---- [$SCN] done in $((SECONDS - t)) s"
}

final() {
    local rc=$?
    set +e
    exec 1>&9 2>&8   # an abort inside a redirected command must not swallow the summary
    ens_cleanup
    SCN=final
    root_unchanged "the machine's own network namespace is unchanged" "the machine's own network namespace CHANGED"
    [ $rc -ne 0 ] && [ $FAILED -eq 0 ] && fail "aborted (exit $rc)"
    say "e2e-engines: $PASSED passed, $FAILED failed ($(( $(date +%s) - T0 )) s)"
    [ $FAILED -eq 0 ] && exit 0
    exit 1
}

exec 9>&1 8>&2
ENS_STATE=""   # nothing to clean up yet
trap final EXIT
trap 'exit 130' INT TERM

ens_install_packages
install_extra
build_jar
ens_root_snapshot "$(mktemp /tmp/e2e-root-before.XXXXXX)"
for s in "${scenarios[@]}"; do run_scenario "$s"; done
