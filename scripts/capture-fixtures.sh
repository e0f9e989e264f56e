#!/usr/bin/env bash
#
# capture-fixtures.sh - regenerate the engine snapshot fixtures by running the REAL
# engines (Podman 4.3.1 with CNI or netavark 1.4.0, docker.io 20.10.24 on Debian 12)
# inside throw-away network namespaces (see scripts/lib/engines-netns.sh).
#
# Usage (root, Debian 12; installs the packages it lacks):
#     scripts/capture-fixtures.sh [--out DIR] [SCENARIO...]
# SCENARIO: podman4-cni podman-netavark docker20-classic docker-and-podman
# (default: all four). Output: DIR/<scenario>/ (default DIR: <repo>/fixtures),
# replaced only when the scenario succeeded. The fixtures are committed once; the
# outputs carry real ids, MACs and times, so a rerun gives different bytes.
#
# Snapshot layout (the project's contract):
#   manifest.json  iptables-save.txt  ip6tables-save.txt  ip-address.json
#   ip-route.json  ip6-route.json     nft-ruleset.json    README.md
#   ports/     podman-ps.json podman-inspect.json docker-inspect.json
#              cni-results/<network>-<containerid>-<ifname>
#   networks/  *.conflist (CNI), netavark *.json (if any), podman-network-inspect.json,
#              docker-network-inspect.json
#
# The root network namespace is checked before and after (ens_root_snapshot /
# ens_root_compare); the script fails if it changed. All four scenarios take about
# 30 s on a 2-core VM (package installation excluded), most of it probe timeouts.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=lib/engines-netns.sh
. "$here/lib/engines-netns.sh"

out_base=$repo/fixtures
scenarios=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) out_base=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        podman4-cni|podman-netavark|docker20-classic|docker-and-podman) scenarios+=("$1"); shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(podman4-cni podman-netavark docker20-classic docker-and-podman)

PROBE_TIMEOUT=${PROBE_TIMEOUT:-3}

# ---------------------------------------------------------------------------
# helpers

json_str() {   # JSON string literal (or null for an empty value)
    if [ -z "${1-}" ]; then printf 'null'; return; fi
    local s=$1
    s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/ }; s=${s//$'\n'/ }
    printf '"%s"' "$s"
}

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "-"; }

# commands shown in the README: the private state dir is written as $STATE
CMDS=()
rec() { CMDS+=("${*//$ENS_STATE/\$STATE}"); }

USED_PODMAN=0 USED_NETAVARK=0 USED_CNI=0 USED_DOCKER=0
PODMAN_IDS=() DOCKER_IDS=()

pm_run() {     # pm_run NAME PUBLISH... -- CMD...
    local name=$1; shift
    local pub=()
    while [ "$1" != -- ]; do pub+=("$1"); shift; done
    shift
    local id
    rec "podman \$PODMAN_OPTS run -d --name $name ${pub[*]} ${ENS_PODMAN_RUN_OPTS[*]} $ENS_IMAGE $*"
    id=$(ens_podman run -d --name "$name" "${pub[@]}" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" "$@")
    PODMAN_IDS+=("$id")
}

dk_run() {     # dk_run NAME PUBLISH... -- CMD...
    local name=$1; shift
    local pub=()
    while [ "$1" != -- ]; do pub+=("$1"); shift; done
    shift
    local id
    rec "docker run -d --name $name ${pub[*]} $ENS_DOCKER_IMAGE $*"
    id=$(ens_docker run -d --name "$name" "${pub[@]}" "$ENS_DOCKER_IMAGE" "$@")
    DOCKER_IDS+=("$id")
}

start_podman() {   # start_podman cni|netavark
    ens_podman_select pm "$1"
    USED_PODMAN=1
    [ "$1" = cni ] && USED_CNI=1
    [ "$1" = netavark ] && USED_NETAVARK=1
    local o
    o=$(ens_podman_global_opts | tr '\n' ' ')
    rec "# PODMAN_OPTS = ${o//$ENS_STATE/\$STATE}(private state; see scripts/lib/engines-netns.sh)"
    [ "$1" = cni ] && [ -f "$ENS_PODMAN_CONFIG_DIR/87-podman-bridge.conflist" ] \
        && rec "cp /etc/cni/net.d/87-podman-bridge.conflist \$STATE/podman-pm/netconf/   # the Debian package's default network"
    rec "podman \$PODMAN_OPTS import \$STATE/image/cnifix-busybox.tar $ENS_IMAGE   # tar of /bin/busybox + symlinks + /etc/passwd + /www/index.html"
    ens_podman_import
}

start_docker() {
    # shellcheck disable=SC2119  # no extra dockerd arguments
    ens_dockerd_start
    USED_DOCKER=1
    rec "dockerd ${ENS_DOCKERD_ARGS[*]//$ENS_STATE/\$STATE} &   # inside the engine ns (holder)"
    rec "docker import \$STATE/image/cnifix-busybox.tar $ENS_DOCKER_IMAGE   # docker = /usr/bin/docker -H unix://\$STATE/docker/docker.sock"
    ens_docker_import
}

# capture DIR: the snapshot files common to all scenarios
capture() {
    local d=$1 f
    mkdir -p "$d/ports" "$d/networks"
    ens_in iptables-save          > "$d/iptables-save.txt"
    ens_in ip6tables-save         > "$d/ip6tables-save.txt"
    ens_in ip -j address          > "$d/ip-address.json"
    ens_in ip -j route            > "$d/ip-route.json"
    ens_in ip -6 -j route         > "$d/ip6-route.json"
    ens_in nft -j list ruleset    > "$d/nft-ruleset.json"
    if [ $USED_PODMAN = 1 ]; then
        ens_podman ps --format json              > "$d/ports/podman-ps.json"
        ens_podman inspect "${PODMAN_IDS[@]}"    > "$d/ports/podman-inspect.json"
        ens_podman network inspect podman        > "$d/networks/podman-network-inspect.json"
        if [ "$ENS_PODMAN_BACKEND" = cni ]; then
            mkdir -p "$d/ports/cni-results"
            for f in "$ENS_STATE"/mnt/var-lib-cni/results/*; do
                [ -f "$f" ] && install -m 0644 "$f" "$d/ports/cni-results/"
            done
            for f in "$ENS_PODMAN_CONFIG_DIR"/*.conflist "$ENS_PODMAN_CONFIG_DIR"/*.conf; do
                [ -f "$f" ] && install -m 0644 "$f" "$d/networks/"
            done
        else
            for f in "$ENS_PODMAN_CONFIG_DIR"/*.json; do
                [ -f "$f" ] && install -m 0644 "$f" "$d/networks/"
            done
        fi
    fi
    if [ $USED_DOCKER = 1 ]; then
        ens_docker inspect "${DOCKER_IDS[@]}"    > "$d/ports/docker-inspect.json"
        ens_docker network inspect bridge        > "$d/networks/docker-network-inspect.json"
    fi
    return 0
}

# write_manifest DIR SCENARIO-LINE TIME
write_manifest() {
    local d=$1 line=$2 time=$3 podman="" netavark="" cni="" docker="" ipt kernel
    [ $USED_PODMAN = 1 ]   && podman=$(ens_in podman --version | awk '{print $3}')
    [ $USED_NETAVARK = 1 ] && netavark=$(ens_in /usr/lib/podman/netavark --version | awk '{print $2}')
    [ $USED_CNI = 1 ]      && cni=$(deb_version containernetworking-plugins)
    [ $USED_DOCKER = 1 ]   && docker=$(ens_docker version --format '{{.Server.Version}}')
    ipt=$(ens_in iptables --version); ipt=${ipt#iptables v}
    kernel=$(uname -r)
    {
        printf '{\n'
        printf '  "host": %s,\n' "$(json_str "$(hostname)")"
        printf '  "time": %s,\n' "$(json_str "$time")"
        printf '  "scenario": %s,\n' "$(json_str "$line")"
        printf '  "tools": {\n'
        printf '    "podman": %s,\n' "$(json_str "$podman")"
        printf '    "netavark": %s,\n' "$(json_str "$netavark")"
        printf '    "cni-plugins": %s,\n' "$(json_str "$cni")"
        printf '    "docker": %s,\n' "$(json_str "$docker")"
        printf '    "iptables": %s,\n' "$(json_str "$ipt")"
        printf '    "kernel": %s\n' "$(json_str "$kernel")"
        printf '  }\n}\n'
    } > "$d/manifest.json"
}

# write_readme DIR NAME SCENARIO-LINE TIME POLICY-NOTE PROBE-LINES EXPECT-NOTE
write_readme() {
    local d=$1 name=$2 line=$3 time=$4 policy=$5 probes=$6 expect=$7 c f
    local pk
    {
        echo "# Fixture \`$name\`"
        echo
        echo "$line"
        echo
        echo "Captured $time on host \`$(hostname)\` (Debian $(cat /etc/debian_version), kernel $(uname -r)) by"
        echo "\`scripts/capture-fixtures.sh $name\`, which ran the real engines inside a network namespace"
        echo "(library: \`scripts/lib/engines-netns.sh\`). Nothing in these files was edited: ids, MACs,"
        echo "times and the private state paths (\`/tmp/ens.<id>/...\`, cgroup parent \`/cnifix-<id>-...\`)"
        echo "are as the tools printed them."
        echo
        echo "## Packages"
        echo
        for pk in podman netavark containernetworking-plugins docker.io containerd runc crun conmon iptables nftables; do
            echo "- $pk $(deb_version "$pk")"
        done
        echo
        echo "## Setup"
        echo
        echo "- engine namespace: \`eth0\` $ENS_ENGINE_IP/$ENS_PREFIX; client namespace: \`eth0\` $ENS_CLIENT_IP/$ENS_PREFIX, default via $ENS_ENGINE_IP."
        echo "- $policy"
        echo "- image: a tar of static busybox (+ symlinks, /etc/passwd, /www/index.html), imported; no registry."
        echo
        echo "Commands, in order (podman, dockerd and iptables ran in the engine namespace; the docker"
        echo "CLI talked to dockerd's private socket):"
        echo
        echo '```'
        for c in "${CMDS[@]}"; do echo "$c"; done
        echo '```'
        echo
        echo "## Reachability from the client namespace"
        echo
        echo "\`curl --connect-timeout $PROBE_TIMEOUT http://$ENS_ENGINE_IP:<port>/\` for TCP; for UDP one datagram"
        echo "from a connected socket (nothing listens in the container, so \"reached\" = ICMP port"
        echo "unreachable came back from the container, \"timeout\" = dropped on the way)."
        echo
        echo "| probe | result |"
        echo "|---|---|"
        while read -r spec res; do
            [ -n "$spec" ] && echo "| $spec | $res |"
        done <<< "$probes"
        echo
        echo "$expect"
        echo
        echo "## Notes"
        echo
        if [ ! -s "$d/ip6tables-save.txt" ]; then
            echo "- \`ip6tables-save.txt\` is empty (0 bytes): no IPv6 table exists in the engine namespace; no engine wrote IPv6 rules."
        fi
        local xt
        xt=$(grep -o '"xt": {"type": "[a-z]*", "name": "[A-Za-z]*"}' "$d/nft-ruleset.json" \
             | sed 's/.*"name": "\([A-Za-z]*\)".*/\1/' | sort -u | tr '\n' ' ')
        if [ -n "$xt" ]; then
            echo "- \`nft-ruleset.json\` is the iptables-nft view of the same rules; these matches/targets appear there"
            echo "  only as opaque \`xt\` expressions without their arguments: ${xt% }. \`iptables-save.txt\` is complete."
        fi
        if [ $USED_PODMAN = 1 ]; then
            echo "- Podman 4.3.1 reports a port published on all addresses with \`\"HostIp\": \"\"\`"
            echo "  (\`podman inspect\`) and \`\"host_ip\": \"\"\` (\`podman ps\`); podman's SandboxKey is \`/run/netns/netns-<uuid>\`."
        fi
        if [ $USED_NETAVARK = 1 ]; then
            echo "- No netavark network file exists: the default network \`podman\` is kept in memory, so"
            echo "  \`networks/podman-network-inspect.json\` is the only network record."
        fi
        if [ $USED_DOCKER = 1 ]; then
            echo "- Docker reports an all-addresses port twice, \`0.0.0.0\` and \`::\` (userland proxy on); its"
            echo "  SandboxKey lies under the private exec-root (\`/tmp/ens.<id>/docker/exec/netns/\`)."
        fi
        echo
        echo "## Files"
        echo
        echo "- \`iptables-save.txt\`, \`ip6tables-save.txt\`, \`nft-ruleset.json\` (\`nft -j list ruleset\`),"
        echo "  \`ip-address.json\` (\`ip -j address\`), \`ip-route.json\` (\`ip -j route\`), \`ip6-route.json\`"
        echo "  (\`ip -6 -j route\`): engine namespace, after the containers were up, before the probes."
        for f in $(cd "$d" && find ports networks -type f | sort); do
            case $f in
                ports/podman-ps.json) echo "- \`$f\`: \`podman ps --format json\`" ;;
                ports/podman-inspect.json) echo "- \`$f\`: \`podman inspect <ids, in creation order>\`" ;;
                ports/docker-inspect.json) echo "- \`$f\`: \`docker inspect <ids, in creation order>\`" ;;
                ports/cni-results/*) echo "- \`$f\`: CNI result cache file, copied from /var/lib/cni/results/" ;;
                networks/podman-network-inspect.json) echo "- \`$f\`: \`podman network inspect podman\` (the default network; for netavark it exists only in memory)" ;;
                networks/docker-network-inspect.json) echo "- \`$f\`: \`docker network inspect bridge\`" ;;
                networks/*.conflist) echo "- \`$f\`: the CNI config list podman used (Debian's /etc/cni/net.d/87-podman-bridge.conflist)" ;;
                *) echo "- \`$f\`" ;;
            esac
        done
    } > "$d/README.md"
}

# ---------------------------------------------------------------------------
# scenarios

reset_scenario() {
    CMDS=() PODMAN_IDS=() DOCKER_IDS=()
    USED_PODMAN=0 USED_NETAVARK=0 USED_CNI=0 USED_DOCKER=0
}

SCN_LINE="" SCN_POLICY="" SCN_EXPECT="" SCN_PROBES=()

setup_podman_three() {   # setup_podman_three cni|netavark
    ens_topology_up DROP
    ens_holder_start
    rec "iptables -P FORWARD DROP"
    start_podman "$1"
    pm_run web   -p 8080:80 -- httpd -f -p 80 -h /www
    pm_run multi -p 8081:81/tcp -p 5353:53/udp -- httpd -f -p 81 -h /www
    pm_run local -p 127.0.0.1:8082:80 -- httpd -f -p 80 -h /www
    SCN_POLICY="FORWARD policy set to DROP in the engine namespace before the engine ran (ip_forward was 0; the engine turned it on)."
    SCN_PROBES=(tcp:8080 tcp:8081 tcp:8082 udp:5353)
    SCN_EXPECT="Expected under FORWARD DROP: the podman ports do not answer (the engine's FORWARD rules accept only replies to, and traffic from, the containers); 8082 is bound to 127.0.0.1 only, so from the client it is refused in any case."
}

scenario_podman4-cni() {
    SCN_LINE="Podman 4.3.1, --network-backend cni (default network podman, bridge cni-podman0, 10.88.0.0/16), engine ns FORWARD policy DROP; containers web -p 8080:80, multi -p 8081:81/tcp -p 5353:53/udp, local -p 127.0.0.1:8082:80"
    setup_podman_three cni
}

scenario_podman-netavark() {
    SCN_LINE="Podman 4.3.1, --network-backend netavark 1.4.0 (default network podman, bridge podman0, 10.88.0.0/16), engine ns FORWARD policy DROP; containers web -p 8080:80, multi -p 8081:81/tcp -p 5353:53/udp, local -p 127.0.0.1:8082:80"
    setup_podman_three netavark
}

scenario_docker20-classic() {
    SCN_LINE="docker.io 20.10.24 (classic iptables layout, bridge docker0, 172.17.0.0/16), engine ns FORWARD policy DROP; containers web -p 8080:80, multi -p 8081:81/tcp -p 5353:53/udp, local -p 127.0.0.1:8082:80"
    ens_topology_up DROP
    ens_holder_start
    rec "iptables -P FORWARD DROP"
    start_docker
    dk_run web   -p 8080:80 -- httpd -f -p 80 -h /www
    dk_run multi -p 8081:81/tcp -p 5353:53/udp -- httpd -f -p 81 -h /www
    dk_run local -p 127.0.0.1:8082:80 -- httpd -f -p 80 -h /www
    SCN_POLICY="FORWARD policy set to DROP in the engine namespace before dockerd started (ip_forward was 0; dockerd turned it on and set DROP again)."
    SCN_PROBES=(tcp:8080 tcp:8081 tcp:8082 udp:5353)
    SCN_EXPECT="Expected: Docker's published ports answer despite FORWARD DROP (per-port ACCEPT rules in the DOCKER chain); 8082 is bound to 127.0.0.1 only, so from the client it is refused."
}

scenario_docker-and-podman() {
    SCN_LINE="docker.io 20.10.24 and Podman 4.3.1 with --network-backend netavark 1.4.0 in the same engine ns; dockerd started first and set FORWARD policy DROP itself; docker container dweb -p 8090:80, podman container pweb -p 8080:80"
    ens_topology_up none
    ens_holder_start
    start_docker
    dk_run dweb -p 8090:80 -- httpd -f -p 80 -h /www
    start_podman netavark
    pm_run pweb -p 8080:80 -- httpd -f -p 80 -h /www
    SCN_POLICY="FORWARD policy NOT set by hand: the engine namespace started with policy ACCEPT and ip_forward 0; dockerd enabled ip_forward and set the policy to DROP. Podman (netavark, the Debian 12 default backend for a fresh install) started after dockerd."
    SCN_PROBES=(tcp:8090 tcp:8080)
    SCN_EXPECT="Expected: the docker port (8090) answers, the podman port (8080) times out: dockerd's FORWARD DROP also drops Podman's forwarded traffic."
}

short_name() {
    case $1 in
        podman4-cni) echo cni ;; podman-netavark) echo nvk ;;
        docker20-classic) echo dkr ;; docker-and-podman) echo mix ;;
    esac
}

run_scenario() {
    local name=$1 t0 t1 time dir probes
    t0=$(date +%s.%N)
    reset_scenario
    ens_init "$(short_name "$name")$$"
    "scenario_$name"
    time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    dir=$work/$name
    rm -rf "$dir"; mkdir -p "$dir"
    capture "$dir"
    probes=$(ens_probe_many "${SCN_PROBES[@]}")
    ens_log "probes ($name): $(echo "$probes" | tr '\n' ';')"
    write_manifest "$dir" "$SCN_LINE" "$time"
    write_readme "$dir" "$name" "$SCN_LINE" "$time" "$SCN_POLICY" "$probes" "$SCN_EXPECT"
    ens_cleanup
    mkdir -p "$out_base"
    rm -rf "${out_base:?}/$name"
    cp -r "$dir" "$out_base/$name"
    t1=$(date +%s.%N)
    ens_log "scenario $name done in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s -> $out_base/$name"
}

# ---------------------------------------------------------------------------
# main

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/capture-fixtures.XXXXXX)
final() {
    local rc=$?
    ens_cleanup
    if [ -n "${ENS_ROOT_SNAPSHOT:-}" ]; then
        ens_root_compare || rc=1
    fi
    rm -rf "$work"
    exit $rc
}
trap final EXIT
trap 'exit 130' INT TERM

ENS_STATE=""   # nothing to clean up yet
ens_install_packages
ens_root_snapshot "$work/root-before"
for s in "${scenarios[@]}"; do run_scenario "$s"; done
ens_log "all done: ${scenarios[*]}"
