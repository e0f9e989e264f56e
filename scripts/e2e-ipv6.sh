#!/usr/bin/env bash
#
# e2e-ipv6.sh - cnifix end to end over IPv6 against the REAL engines: Podman 4 with netavark, Podman 4 with CNI and
# Docker 20.10 (Debian 12 packages), each on a dual-stack network inside throw-away network namespaces
# (scripts/lib/engines-netns.sh). The engine namespace has an admin's ip6tables (and iptables) FORWARD policy DROP;
# cnifix runs live inside it; probes go over IPv6 from the client namespace.
#
# Usage (root, Debian 12; installs the packages it lacks):
#     scripts/e2e-ipv6.sh [podman-netavark] [podman-cni] [docker] [docker-proxy]     (default: all four)
#   docker:       dockerd --ipv6 --ip6tables --experimental (20.10 programs ip6tables only so): DNAT and DOCKER in ip6tables
#   docker-proxy: dockerd --ipv6 alone (20.10's default): no ip6tables rules; docker-proxy serves the v6 host ports
#
# Topology: client fd00:6e::2/64 (and 198.51.100.2) <-> engine fd00:6e::1/64 (and 198.51.100.1).
# Per engine:
#   1. a dual-stack network (v4 + fd00:.../64); containers web -p 8080:80 (both families), six
#      -p [fd00:6e::1]:8086:80 (one v6 address; it also serves an unpublished port 90), wild6 -p [::]:8088:80
#      (every v6 address), loop6 -p [::1]:8087:80 (IPv6 loopback only)
#   2. cnifix diff --format json: Podman has a gap for the v6 mappings (ip6tables FORWARD policy DROP), ::1 is
#      not exposed; netavark 1.4 writes "-d ::/128" for a [::] bind, so that port is missing-dnat (and the kernel
#      never forwards it); Docker is ok on both families (docker-proxy: judged by ip6tables INPUT); text output
#      prints [addr]:port for v6 addresses. CNI: the same from podman ps + the CNI result cache files alone
#   3. probes over IPv6 from the client namespace agree with the statuses
#   4. cnifix suggest --apply: v6 rules go through ip6tables-restore; the ports answer over IPv6; the unpublished
#      port, the ::1-only port and a direct route to the container stay closed; a second apply changes nothing
#   5. the container is removed, cnifix prune --apply: exactly cnifix's rules for it are gone (v4 and v6)
#   6. (netavark) the IPv4 rp_filter sysctl set in the engine namespace: cnifix reads it there, keeps it in the
#      snapshot (sysctl-rp_filter.txt, in the manifest) and its trace agrees with the kernel on a source with no route back
# Prints PASS/FAIL per check and "N passed, M failed"; exits 1 on any failure. Everything is torn down (trap),
# also on failure; the machine's own namespace is compared before/after. WV6_KEEP=1 keeps the work files.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=lib/engines-netns.sh
. "$here/lib/engines-netns.sh"

scenarios=()
for a in "$@"; do
    case $a in
        podman-cni|podman-netavark|docker|docker-proxy) scenarios+=("$a") ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(podman-netavark podman-cni docker docker-proxy)

[ "$(id -u)" = 0 ] || { echo "e2e-ipv6.sh: run as root" >&2; exit 1; }

. "$here/lib/e2e-common.sh"
ENGINE6=fd00:6e::1 CLIENT6=fd00:6e::2
BASE=/tmp/wv6-$$   # short: podman refuses a runroot path over 50 characters
mkdir -m 700 "$BASE"
export ENS_STATE_BASE=$BASE
[ "${WV6_KEEP:-0}" = 1 ] && export ENS_KEEP_STATE=1

# probe_is DESC EXPECTED ACTUAL: like eq; EXPECTED "not-200" accepts anything but an answer
probe_is() {
    if [ "$2" = not-200 ]; then
        if [ "$3" != 200 ]; then pass "$1 does not answer ($3)"; else fail "$1: answered, expected no answer"; fi
    else eq "$1" "$2" "$3"; fi
}


CNX_OPTS=()
W=
cnx() {   # cnx NAME ARGS...: cnifix live in the engine ns; NAME.out / .err / .rc in $W
    local name=$1; shift
    local rc=0
    ens_in timeout 240 java -jar "$JAR" "$@" > "$W/$name.out" 2> "$W/$name.err" || rc=$?
    echo "$rc" > "$W/$name.rc"
    return 0
}
rc_of() { cat "$W/$1.rc"; }

ipt_save()  { ens_in iptables-save  | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }
ip6t_save() { ens_in ip6tables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }
cnifix_rules6() { ip6t_save | grep -c -- '--comment "cnifix: ' || true; }

# probe6 PORT [HOST]: HTTP GET over IPv6 from the client ns: the HTTP code, "timeout", "refused" or "curl-exit-N"
probe6() {
    local port=$1 host=${2:-$ENGINE6} code rc=0
    code=$(ens_client curl -g -6 -s -o /dev/null -w '%{http_code}' --connect-timeout 3 -m 4 \
        "http://[$host]:$port/" 2>/dev/null) || rc=$?
    case $rc in 0) echo "$code" ;; 28) echo timeout ;; 7) echo refused ;; *) echo "curl-exit-$rc" ;; esac
}
# probe_all6 NAME HOST:PORT...: the probes in parallel into $W/NAME ("host:port result" lines); HOST may be "-"
probe_all6() {
    local name=$1 spec i=0 pids=(); shift
    for spec in "$@"; do
        local host=${spec%:*} port=${spec##*:}
        [ "$host" = - ] && host=$ENGINE6
        probe6 "$port" "$host" > "$W/$name.$i" & pids+=($!)
        i=$((i + 1))
    done
    wait "${pids[@]}"
    i=0
    : > "$W/$name"
    for spec in "$@"; do echo "$spec $(cat "$W/$name.$i")" >> "$W/$name"; rm -f "$W/$name.$i"; i=$((i + 1)); done
}
probe_result() { awk -v s="$2" '$1 == s { print $2 }' "$W/$1"; }

# ---------------------------------------------------------------------------------------------------------------

ENGINE=
run_container() {   # run_container NAME PUBLISH... -- CMD...
    local name=$1; shift
    local pub=()
    while [ "$1" != -- ]; do pub+=("$1"); shift; done
    shift
    if [ "$ENGINE" = podman ]; then
        ens_podman run -d --name "$name" --network wv6net "${pub[@]}" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" "$@" >/dev/null
    else
        ens_docker run -d --name "$name" --network wv6net "${pub[@]}" "$ENS_DOCKER_IMAGE" "$@" >/dev/null
    fi
}
container_ip6() {
    if [ "$ENGINE" = podman ]; then
        ens_podman inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$1"
    else
        ens_docker inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$1"
    fi
}
remove_container() {
    if [ "$ENGINE" = podman ]; then ens_podman rm -f -t 0 "$1" >/dev/null; else ens_docker rm -f "$1" >/dev/null; fi
}

# pin_bridge_mac GATEWAY: a Linux bridge whose MAC was never set takes the lowest of its ports' MACs, so removing a
# container can change it; the other containers then send their answers to the old MAC until their neighbour
# entry for the gateway expires (IPv6 sends no unsolicited advertisement), and an unrelated port times out for a
# while. Podman's bridges (netavark 1.4, the CNI bridge plugin) leave the MAC unset; Docker sets one. Setting it
# once keeps it, as on a host where the admin or the distribution does.
pin_bridge_mac() {
    local br mac
    br=$(ens_in ip -o -6 address show | awk -v gw="$1/" 'index($4, gw) == 1 { print $2; exit }')
    [ -n "$br" ] || { say "no bridge holds $1"; return 1; }
    mac=$(ens_in ip -o link show dev "$br" | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p')
    ens_in ip link set dev "$br" address "$mac"
    say "bridge $br: MAC $mac pinned"
}

setup() {   # setup podman-netavark|podman-cni|docker
    local tag
    case $1 in podman-netavark) tag=nvk ;; podman-cni) tag=cni ;; docker) tag=dkr ;; docker-proxy) tag=dpx ;; esac
    ENS_ENGINE_NS_NAME=wv6-eng-$tag-$$ ENS_CLIENT_NS_NAME=wv6-cli-$tag-$$ ens_init "wv6$tag$$"
    W=$ENS_STATE/e2e
    mkdir -p "$W"
    ens_topology_up DROP
    # IPv6 on the same veth (nodad: usable at once); the client routes everything v6 through the engine ns
    ip -n "$ENS_ENGINE_NS" address add "$ENGINE6/64" dev eth0 nodad
    ip -n "$ENS_CLIENT_NS" address add "$CLIENT6/64" dev eth0 nodad
    ip -n "$ENS_CLIENT_NS" -6 route add default via "$ENGINE6"
    ens_holder_start
    # the admin's IPv6 firewall: forwarding on, FORWARD policy DROP
    ens_in sysctl -q -w net.ipv6.conf.all.forwarding=1
    ens_in ip6tables -P FORWARD DROP
    case $1 in
        podman-netavark|podman-cni)
            ENGINE=podman
            ens_podman_select pm "${1#podman-}"
            ens_podman_import
            ens_podman network create --ipv6 --subnet 10.89.60.0/24 --subnet fd00:89:60::/64 wv6net >/dev/null
            CNX_OPTS=(--podman "$(ens_podman_wrapper)")
            ;;
        docker|docker-proxy)
            ENGINE=docker
            if [ "$1" = docker ]; then
                ens_dockerd_start --experimental --ip6tables --ipv6 --fixed-cidr-v6 fd00:d0c::/64
            else
                # 20.10's default: IPv6 networks but no ip6tables rules; docker-proxy alone serves v6 host ports
                ens_dockerd_start --ipv6 --fixed-cidr-v6 fd00:d0c::/64
            fi
            ens_docker_import
            ens_docker network create --ipv6 --subnet 10.89.61.0/24 --subnet fd00:89:61::/64 wv6net >/dev/null
            CNX_OPTS=(--docker "$ENS_DOCKER_BIN" --docker-host "unix://$ENS_DOCKER_SOCK")
            ;;
    esac
    run_container web   -p 8080:80 -- httpd -f -p 80 -h /www
    [ "$ENGINE" = podman ] && pin_bridge_mac fd00:89:60::1
    run_container six   -p "[$ENGINE6]:8086:80" -- sh -c 'httpd -p 90 -h /www && exec httpd -f -p 80 -h /www'
    run_container wild6 -p '[::]:8088:80' -- httpd -f -p 80 -h /www
    run_container loop6 -p '[::1]:8087:80' -- httpd -f -p 80 -h /www
    WEB6=$(container_ip6 web) SIX6=$(container_ip6 six) WILD6=$(container_ip6 wild6) LOOP6=$(container_ip6 loop6)
    say "containers (v6): web $WEB6, six $SIX6, wild6 $WILD6, loop6 $LOOP6"
    ens_in ip6tables -S FORWARD > "$W/forward6-before"
}

# v6 port checks: port6 FILE NAME HOSTPORT CTRIP STATUS
port6() {
    local f=$1 n=$2 hp=$3 ip=$4 st=$5
    local sel=".ports[] | select(.container == \"$n\" and .hostPort == $hp and (.containerIp // \"\" | contains(\":\")))"
    jcheck "$n tcp/$hp v6: exactly one v6 entry" "$f" "[$sel] | length == 1"
    jcheck "$n tcp/$hp v6: containerIp $ip, status $st" "$f" "[$sel][0] | .containerIp == \"$ip\" and .status == \"$st\""
}

scenario() {
    local podman=1 want_gap=gap want_before=timeout
    [ "$ENGINE" = docker ] && podman=0 want_gap=ok want_before=200
    # netavark 1.4 turns a [::] host address into "-d ::/128" on its DNAT rule, which no packet has: the kernel
    # never forwards that port, and cnifix must say missing-dnat (and add no rule for it)
    local wild_st=$want_gap wild_before=$want_before wild_after=200 n6=3
    if [ "$SCN" = podman-netavark ]; then wild_st=missing-dnat wild_before=not-200 wild_after=not-200 n6=2; fi
    step "2. cnifix diff, live"
    cnx diff1 diff --format json "${CNX_OPTS[@]}"
    local f=$W/diff1.out
    jcheck "diff JSON has ports" "$f" '.ports | length > 0'
    port6 "$f" web 8080 "$WEB6" "$want_gap"
    port6 "$f" six 8086 "$SIX6" "$want_gap"
    port6 "$f" wild6 8088 "$WILD6" "$wild_st"
    if [ "$wild_st" = missing-dnat ]; then
        jcheck "a never-matches finding names netavark's DNAT for ::/128" "$f" \
            '[.findings[] | select(.kind == "never-matches") | .detail // .message // "" | test("unspecified address")] | length == 1'
    fi
    port6 "$f" loop6 8087 "$LOOP6" not-exposed
    jcheck "loop6: hostIp ::1" "$f" '[.ports[] | select(.container == "loop6") | .hostIp] == ["::1"]'
    jcheck "six and wild6: no v4 mapping (bound to v6 only)" "$f" \
        '[.ports[] | select((.container == "six" or .container == "wild6") and (.containerIp // "" | contains(":") | not))] | length == 0'
    jcheck "six: hostIp $ENGINE6" "$f" "[.ports[] | select(.container == \"six\") | .hostIp] == [\"$ENGINE6\"]"
    if [ $podman = 1 ]; then
        eq "diff exit code (gaps)" 1 "$(rc_of diff1)"
        jcheck "v6 gaps decided by ip6tables filter FORWARD policy DROP" "$f" \
            '[.ports[] | select(.status == "gap" and (.containerIp | contains(":"))) | .decidedBy | .table == "filter" and .chain == "FORWARD" and .policy == true and .target == "DROP"] | all'
    elif [ "$SCN" = docker-proxy ]; then
        jcheck "no gap, no unknown (the v4 exposure of the current reference aside)" "$f" '.summary.gap == 0 and .summary.unknown == 0'
        jcheck "v6 ports: ok through docker-proxy, judged by ip6tables INPUT" "$f" \
            '[.ports[] | select(.status != "not-exposed" and (.containerIp | contains(":")))] | length == 3 and all(.status == "ok" and .decidedBy.chain == "INPUT" and (.why | test("docker-proxy")))'
    else
        jcheck "v6 ok ports are accepted by Docker's ip6tables DOCKER chain" "$f" \
            '[.ports[] | select(.status == "ok" and (.containerIp | contains(":"))) | .decidedBy | .chain == "DOCKER" and .source == "ip6tables-save"] | all'
    fi
    cnx diff1t diff "${CNX_OPTS[@]}"
    check "text diff prints the v6 host address in brackets ([::1]:8087)" grep -qF '[::1]:8087' "$W/diff1t.out"
    check "text diff prints a v6 container address in brackets ([$SIX6]:80)" grep -qF "[$SIX6]:80" "$W/diff1t.out"
    check "text diff prints a specific v6 host address in brackets ([$ENGINE6]:8086)" grep -qF "[$ENGINE6]:8086" "$W/diff1t.out"

    if [ "$SCN" = podman-cni ]; then files_checks; fi

    step "3. IPv6 probes from the client namespace before the fix"
    probe_all6 before -:8080 -:8086 -:8087 -:8088
    eq "[$ENGINE6]:8080" "$want_before" "$(probe_result before -:8080)"
    eq "[$ENGINE6]:8086" "$want_before" "$(probe_result before -:8086)"
    eq "[$ENGINE6]:8087 (::1 only) refused" refused "$(probe_result before -:8087)"
    probe_is "[$ENGINE6]:8088 ([::] bind)" "$wild_before" "$(probe_result before -:8088)"

    step "4. cnifix suggest --apply"
    ip6t_save > "$W/ip6t-before-apply"
    cnx apply1 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "suggest --apply exit code" 0 "$(rc_of apply1)"
    if [ $podman = 1 ]; then
        check "a v6 backup was written" sh -c "ls '$W'/backups/cnifix-*.v6.rules"
        eq "cnifix v6 rules installed (one per forwarded v6 mapping)" "$n6" "$(cnifix_rules6)"
        ip6t_save > "$W/ip6t-after-apply"
        check "a v6 rule names web's v6 address" grep -q -- "-d $WEB6/128 .*cnifix: web" "$W/ip6t-after-apply"
    else
        check "Docker: nothing to do" grep -q "^Nothing to do" "$W/apply1.out"
        check "Docker: no ip6tables rule changed" diff -q "$W/ip6t-before-apply" <(ip6t_save)
    fi
    probe_all6 after -:8080 -:8086 -:8087 -:8088 -:8090 "$SIX6:90" "$SIX6:80"
    probe_is "[$ENGINE6]:8088 ([::] bind) after the fix" "$wild_after" "$(probe_result after -:8088)"
    eq "[$ENGINE6]:8080 answers over IPv6" 200 "$(probe_result after -:8080)"
    eq "[$ENGINE6]:8086 answers over IPv6" 200 "$(probe_result after -:8086)"
    eq "[$ENGINE6]:8087 (::1 only) still refused" refused "$(probe_result after -:8087)"
    eq "unpublished host port 8090 refused" refused "$(probe_result after -:8090)"
    eq "direct route to unpublished [$SIX6]:90 times out" timeout "$(probe_result after "$SIX6:90")"
    if [ $podman = 1 ] || [ "$SCN" = docker-proxy ]; then
        eq "direct route to published [$SIX6]:80 times out" timeout "$(probe_result after "$SIX6:80")"
    fi
    cnx diff2 diff --format json "${CNX_OPTS[@]}"
    jcheck "diff after the fix: no v6 gap, web and six ok on v6" "$W/diff2.out" \
        '([.ports[] | select(.containerIp // "" | contains(":")) | select(.status == "gap")] | length == 0)
         and ([.ports[] | select((.containerIp // "" | contains(":")) and (.container == "web" or .container == "six")) | .status] | all(. == "ok"))'
    jcheck "diff after the fix: wild6 $wild_st -> $( [ "$wild_st" = missing-dnat ] && echo missing-dnat || echo ok)" "$W/diff2.out" \
        "[.ports[] | select(.container == \"wild6\") | .status] == [\"$( [ "$wild_st" = missing-dnat ] && echo missing-dnat || echo ok)\"]"
    ip6t_save > "$W/ip6t-before-second"; ipt_save > "$W/ipt-before-second"
    cnx apply2 suggest --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "second suggest --apply exit code" 0 "$(rc_of apply2)"
    check "second run says nothing to change" grep -q "^Nothing to do" "$W/apply2.out"
    check "second run changed no ip6tables rule" diff -q "$W/ip6t-before-second" <(ip6t_save)
    check "second run changed no iptables rule" diff -q "$W/ipt-before-second" <(ipt_save)

    step "5. remove six, cnifix prune --apply"
    remove_container six
    ip6t_save > "$W/ip6t-before-prune"; ipt_save > "$W/ipt-before-prune"
    cnx prune1 prune --apply --backup-dir "$W/backups" --lock-file "$W/cnifix.lock" "${CNX_OPTS[@]}"
    eq "prune --apply exit code" 0 "$(rc_of prune1)"
    diff "$W/ip6t-before-prune" <(ip6t_save) | grep '^[<>]' > "$W/prune6.diff" || true
    diff "$W/ipt-before-prune" <(ipt_save) | grep '^[<>]' > "$W/prune4.diff" || true
    if [ $podman = 1 ]; then
        eq "prune removed one ip6tables line" 1 "$(grep -c . "$W/prune6.diff" || true)"
        check "the removed line is cnifix's v6 rule for six" grep -q '^< -A .*--comment "cnifix: six tcp/8086' "$W/prune6.diff"
        eq "the other v6 rules stay" $((n6 - 1)) "$(cnifix_rules6)"
    else
        check "Docker: prune says nothing to change" grep -q "^Nothing to do" "$W/prune1.out"
        eq "Docker: no ip6tables line changed by prune" 0 "$(grep -c . "$W/prune6.diff" || true)"
    fi
    eq "prune changed no iptables (v4) line" 0 "$(grep -c . "$W/prune4.diff" || true)"
    probe_all6 afterprune -:8080
    eq "web still answers over IPv6 after prune" 200 "$(probe_result afterprune -:8080)"
    if [ "$SCN" = podman-netavark ]; then rpfilter_checks; fi
}

# The same host from files: podman ps --format json and the CNI result cache alone (no inspect) must give the v6
# mappings (binds to ::, to one v6 address and to ::1) and the statuses the live run gave.
files_checks() {
    step "2b. diff from podman ps --format json and the CNI result cache (no inspect)"
    local d=$W/files c ports=()
    mkdir -p "$d"
    ens_podman ps --format json > "$d/podman-ps.json"
    ens_in iptables-save > "$d/iptables-save.txt"
    ens_in ip6tables-save > "$d/ip6tables-save.txt"
    ens_in ip -j address > "$d/ip-address.json"
    ens_in ip -j route > "$d/ip-route.json"
    ens_in ip -6 -j route > "$d/ip6-route.json"
    for c in $(ens_in ls /var/lib/cni/results); do
        ens_in cat "/var/lib/cni/results/$c" > "$d/cache-$c"
        ports+=(--ports "$d/cache-$c")
    done
    eq "one CNI cache file per container" 4 "$(( ${#ports[@]} / 2 ))"
    local host=(--rules "$d/iptables-save.txt" --rules "$d/ip6tables-save.txt" --addresses "$d/ip-address.json"
        --routes "$d/ip-route.json" --routes "$d/ip6-route.json")
    cnx difff diff --format json "${host[@]}" --ports "$d/podman-ps.json" "${ports[@]}"
    local key='[.ports[] | {container, hostIp, hostPort, containerIp, containerPort, status}] | sort_by(.container, .containerIp)'
    if diff <(jq -S "$key" "$W/diff1.out") <(jq -S "$key" "$W/difff.out") > "$d/cmp.diff" && [ -s "$W/difff.out" ]; then
        pass "ps + CNI cache give the live mappings and statuses (v6 binds included)"
    else
        fail "ps + CNI cache differ from the live diff:"; head -30 "$d/cmp.diff"
    fi
    cnx difffps diff --format json "${host[@]}" --ports "$d/podman-ps.json"
    jcheck "podman ps alone keeps the v6 host addresses ($ENGINE6, ::1)" "$W/difffps.out" \
        "([.ports[] | select(.container == \"six\") | .hostIp] | unique) == [\"$ENGINE6\"] and ([.ports[] | select(.container == \"loop6\") | .hostIp] | unique) == [\"::1\"]"
}

# IPv4 rp_filter, live in the engine namespace: cnifix reads the namespace's own sysctl, keeps it in the snapshot,
# and its trace agrees with the kernel on a source with no route back (counted by a bare mangle FORWARD rule).
rpfilter_checks() {
    step "6. the rp_filter sysctl of the engine namespace"
    local spoof=10.99.0.7
    ens_client ip address add "$spoof/32" dev eth0
    ens_in iptables -t mangle -A FORWARD -s "$spoof/32"
    local mode
    for mode in 1 0; do
        ens_in sysctl -q -w net.ipv4.conf.all.rp_filter=$mode
        local before after
        before=$(ens_in iptables -t mangle -L FORWARD -v -x -n | awk -v s="$spoof" '$0 ~ s { print $1 }')
        ens_client curl -s -o /dev/null -m 2 --interface "$spoof" "http://$ENS_ENGINE_IP:8080/" || true
        after=$(ens_in iptables -t mangle -L FORWARD -v -x -n | awk -v s="$spoof" '$0 ~ s { print $1 }')
        cnx "trace$mode" trace --in eth0 --src "$spoof" --dst "$ENS_ENGINE_IP" --proto tcp --dport 8080 --format json "${CNX_OPTS[@]}"
        if [ $mode = 1 ]; then
            eq "rp_filter=1: the kernel forwards nothing from $spoof (no route back)" 0 "$((after - before))"
            jcheck "rp_filter=1: cnifix trace drops it in the routing decision, naming rp_filter" "$W/trace1.out" \
                '.verdict == "DROP" and (.decidedBy.routing // "" | test("rp_filter 1 \\(strict\\) on eth0"))'
            cnx snap snapshot "$W/snap" "${CNX_OPTS[@]}"
            eq "snapshot exit code" 0 "$(rc_of snap)"
            check "snapshot: sysctl-rp_filter.txt holds all = 1" grep -qx 'net.ipv4.conf.all.rp_filter = 1' "$W/snap/sysctl-rp_filter.txt"
            check "snapshot: ... and the engine namespace's eth0" grep -q '^net.ipv4.conf.eth0.rp_filter = [0-2]$' "$W/snap/sysctl-rp_filter.txt"
            jcheck "manifest lists sysctl-rp_filter.txt among its sources" "$W/snap/manifest.json" \
                '[.sources[].file] | index("sysctl-rp_filter.txt") != null'
            cnx traces trace --snapshot "$W/snap" --in eth0 --src "$spoof" --dst "$ENS_ENGINE_IP" --proto tcp --dport 8080 --format json
            jcheck "the snapshot's trace says the same" "$W/traces.out" '.verdict == "DROP" and (.decidedBy.routing // "" | test("rp_filter"))'
        else
            check "rp_filter=0: the kernel forwards it ($((after - before)) packet(s))" test "$((after - before))" -gt 0
            jcheck "rp_filter=0: cnifix trace lets it through to the container" "$W/trace0.out" '.verdict == "ACCEPT"'
        fi
    done
    ens_in iptables -t mangle -D FORWARD -s "$spoof/32"
}

run_scenario() {
    SCN=$1
    local t=$SECONDS
    step "1. set up: ip6tables FORWARD policy DROP, dual-stack network, containers web, six, wild6, loop6"
    setup "$1"
    eq "engine ns ip6tables FORWARD policy" "DROP" "$(ens_in ip6tables -S FORWARD | awk '$1 == "-P" { print $3 }')"
    scenario
    [ "${WV6_KEEP:-0}" = 1 ] && say "work files: $W"
    ens_cleanup
    check "engine and client namespaces are gone" sh -c "! ip netns list | grep -q -- 'wv6-.*-$$\$'"
    say "---- [$SCN] done in $((SECONDS - t)) s"
}

final() {
    local rc=$?
    set +e
    exec 1>&9 2>&8
    ens_cleanup
    SCN=final
    root_unchanged "the machine's own network namespace is unchanged" "the machine's own network namespace CHANGED"
    [ "${WV6_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$BASE"
    [ $rc -ne 0 ] && [ $FAILED -eq 0 ] && fail "aborted (exit $rc)"
    say "e2e-ipv6: $PASSED passed, $FAILED failed ($(( $(date +%s) - T0 )) s)"
    [ $FAILED -eq 0 ] && exit 0
    exit 1
}

exec 9>&1 8>&2
ENS_STATE=""
trap final EXIT
trap 'exit 130' INT TERM

ens_install_packages
install_extra
build_jar
ens_root_snapshot "$BASE/root-before"
for s in "${scenarios[@]}"; do run_scenario "$s"; done
