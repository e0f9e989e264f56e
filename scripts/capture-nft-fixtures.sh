#!/usr/bin/env bash
#
# capture-nft-fixtures.sh - build the nftables/firewalld host shapes of issue 10 live (real firewalld 1.3 with
# a private D-Bus, real Podman 4.3 CNI/netavark 1.4, real Docker 20.10, and the nft tables of netavark 1.14 and
# Docker 29.7.2 loaded with `nft -f` around real containers), probe every published port and the containers
# directly from a client namespace, capture a snapshot, and tear everything down.
#
# Usage (root, Debian 12; installs what it lacks):
#     scripts/capture-nft-fixtures.sh [--out DIR] [SHAPE...]      (default: all shapes)
# SHAPE: see scripts/lib/nft-shapes.sh (firewalld-podman-cni firewalld-netavark firewalld-drop-netavark
# netavark-nft-drop netavark-nft-firewalld docker29-nft-drop docker29-nft-firewalld firewalld-docker20).
#
# Output DIR/<shape>/ (default DIR: <repo>/fixtures), replaced only when the shape succeeded:
#   snapshot (README "Snapshots"): iptables-save.txt ip6tables-save.txt nft-ruleset.json ip-address.json
#     ip-route.json ip6-route.json ports/ networks/ manifest.json
#   firewalld/      (firewalld shapes) firewall-cmd --state, --get-active-zones, --list-all-zones,
#                   --list-all-policies, --direct --get-all-rules (runtime and permanent), firewalld.conf
#   ruleset.nft     (nft shapes) the exact file loaded with `nft -f`
#   expected.json   the MEASURED outcome of each probe and the cnifix statuses it allows
#   after-reload/   (firewalld shapes) what `firewall-cmd --reload` left: iptables-save, nft tables, zones,
#                   probes (for issue 11)
#   README.md       what produced it
# The machine's own namespace, nft ruleset, /run/dbus and /etc/firewalld are compared before and after.
# About 15-25 s per shape on a 2-core VM (probe timeout PROBE_TIMEOUT, default 2 s).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
. "$here/lib/engines-netns.sh"
. "$here/lib/firewalld-netns.sh"
. "$here/lib/nft-engines.sh"
. "$here/lib/nft-shapes.sh"

ENS_PACKAGES+=(firewalld dbus python3 jq)

out_base=$repo/fixtures
shapes=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) out_base=$2; shift 2 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) nfs_short "$1" >/dev/null || { echo "unknown shape: $1" >&2; exit 2; }; shapes+=("$1"); shift ;;
    esac
done
[ ${#shapes[@]} -gt 0 ] || shapes=("${NFS_SHAPES[@]}")
PROBE_TIMEOUT=${PROBE_TIMEOUT:-2}

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "-"; }

# statuses cnifix may give for a published port, from the measured probe
allowed_statuses() {   # allowed_statuses PROBE HOSTIP
    case $1 in
        answers|reached|reply) echo '["ok"]' ;;
        refused) if [ "$2" != - ]; then echo '["not-exposed"]'; else echo '["missing-dnat","gap","blocked"]'; fi ;;
        *) if [ "$2" != - ]; then echo '["not-exposed"]'; else echo '["gap","blocked"]'; fi ;;
    esac
}
result_of() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

write_expected() {   # write_expected FILE PROBES [RELOAD-PROBES] [TRACE-JSON]
    local f=$1 probes=$2 rprobes=${3:-} tj=${4:-} name ip hip proto hp cp pub r spec
    {
        local ports=() direct=()
        while read -r name ip hip proto hp cp; do
            spec=$proto:$ENS_ENGINE_IP:$hp; r=$(result_of "$probes" "$spec")
            ports+=("$(jq -nc --arg c "$name" --arg p "$proto" --arg h "$([ "$hip" = - ] && echo "" || echo "$hip")" \
                --argjson hp "$hp" --arg ci "$ip" --argjson cp "$cp" --arg r "$r" --argjson a "$(allowed_statuses "$r" "$hip")" \
                --arg rr "$([ -n "$rprobes" ] && result_of "$rprobes" "$spec")" \
                --arg re "$([ -n "${RELOAD_ENGINE_PROBES:-}" ] && result_of "$RELOAD_ENGINE_PROBES" "$spec")" \
                '{container:$c, protocol:$p, hostIp:$h, hostPort:$hp, containerIp:$ci, containerPort:$cp, probe:$r,
                  cnifixStatus:$a} + (if $rr != "" then {probeAfterReload:$rr} else {} end)
                  + (if $re != "" then {probeAfterReloadAndNetworkReload:$re} else {} end)')")
        done <<< "$NFS_PORTS"
        while read -r name ip proto cp pub; do
            spec=$proto:$ip:$cp; r=$(result_of "$probes" "$spec")
            direct+=("$(jq -nc --arg c "$name" --arg ci "$ip" --arg p "$proto" --argjson cp "$cp" --argjson pub "$pub" \
                --arg r "$r" '{container:$c, containerIp:$ci, protocol:$p, port:$cp, published:($pub == 1), probe:$r,
                  exposure:($r == "answers" or $r == "reached" or $r == "reply")}')")
        done <<< "$NFS_DIRECT"
        # the measured trace per probe, and the tables that decided: the one that dropped/rejected the first packet
    # (or its reply), else those that accepted it by an explicit rule (DNAT rules aside)
    [ -n "$tj" ] || tj=/dev/null
    local tr='def decided($t): if $t == null or $t.request == null then null else
            ([$t.request[], ($t.reply // [])[] | select(.verdict == "drop" or .verdict == "reject")] | .[0]) as $d
            | if $d != null then {outcome: (if ($d.by | test("reject")) then "reject" else $d.verdict end), direction: (if ([$t.request[] | select(.verdict == "drop" or .verdict == "reject")] | length) > 0 then "request" else "reply" end),
                                   chain: $d.chain, by: $d.by, decidingTables: [$d.chain | split(" ")[1]]}
              else {outcome: "accept", acceptedBy: [$t.request[] | select(.by != "policy" and (.by | test(" dnat (ip6? )?to ") | not)) | "\(.chain): \(.by)"],
                    decidingTables: ([$t.request[] | select(.by != "policy" and (.by | test(" dnat (ip6? )?to ") | not)) | .chain | split(" ")[1]] | unique)} end end;'
    if [ -s "$tj" ]; then
        mapfile -t ports < <(printf '%s\n' "${ports[@]}" | jq -c --slurpfile tj "$tj" --arg e "$ENS_ENGINE_IP" "$tr"'
            . + {trace: $tj[0]["\(.protocol):\($e):\(.hostPort)"]} | . + {measured: decided(.trace)}')
        mapfile -t direct < <(printf '%s\n' "${direct[@]}" | jq -c --slurpfile tj "$tj" "$tr"'
            . + {trace: $tj[0]["\(.protocol):\(.containerIp):\(.port)"]} | . + {measured: decided(.trace)}')
    fi
        jq -n --arg shape "$NFS_SHAPE" --arg e "$ENS_ENGINE_IP" --arg c "$ENS_CLIENT_IP" --argjson t "$PROBE_TIMEOUT" \
            --arg br "$NFS_BRIDGE" --arg sn "$NFS_SUBNET" --arg pol "$NFS_POLICY" --argjson fw "$NFS_FIREWALLD" \
            --argjson ports "$(printf '%s\n' "${ports[@]}" | jq -s .)" \
            --argjson direct "$(printf '%s\n' "${direct[@]}" | jq -s .)" \
            '{shape:$shape, engineAddress:$e, clientAddress:$c, probeTimeoutSeconds:$t, bridge:$br, subnet:$sn,
              iptablesForwardPolicy:$pol, firewalld:($fw == 1),
              probeMeaning:{answers:"TCP connected and an HTTP status line came back", timeout:"no answer within the timeout (dropped)",
                refused:"TCP RST (nothing listens where the packet arrived)", rejected:"ICMP error (admin-prohibited / host unreachable)",
                reached:"UDP: ICMP port unreachable from the container (nothing listens on udp there), so the datagram got in"},
              ports:$ports, direct:$direct}'
    } > "$f"
}

capture_snapshot() {   # capture_snapshot DIR
    local d=$1 f
    mkdir -p "$d/ports" "$d/networks"
    ens_in iptables-save       > "$d/iptables-save.txt"
    ens_in ip6tables-save      > "$d/ip6tables-save.txt"
    ens_in nft -j list ruleset > "$d/nft-ruleset.json"
    ens_in ip -j address       > "$d/ip-address.json"
    ens_in ip -j route         > "$d/ip-route.json"
    ens_in ip -6 -j route      > "$d/ip6-route.json"
    if [ "$NFS_ENGINE" = podman ]; then
        ens_podman ps --format json > "$d/ports/podman-ps.json"
        ens_podman inspect web multi local > "$d/ports/podman-inspect.json"
        ens_podman network inspect podman > "$d/networks/podman-network-inspect.json"
        if [ "$ENS_PODMAN_BACKEND" = cni ]; then
            mkdir -p "$d/ports/cni-results"
            for f in "$ENS_STATE"/mnt/var-lib-cni/results/*; do [ -f "$f" ] && install -m 0644 "$f" "$d/ports/cni-results/"; done
            for f in "$ENS_PODMAN_CONFIG_DIR"/*.conflist; do [ -f "$f" ] && install -m 0644 "$f" "$d/networks/"; done
        fi
    else
        ens_docker inspect web multi local > "$d/ports/docker-inspect.json"
        ens_docker network inspect bridge  > "$d/networks/docker-network-inspect.json"
    fi
    [ "$NFS_FIREWALLD" = 1 ] && fwn_capture "$d/firewalld"
    [ -n "$NFS_NFT_FILE" ] && install -m 0644 "$NFS_NFT_FILE" "$d/ruleset.nft"
    [ -n "${NFS_ADMIN_NFT:-}" ] && install -m 0644 "$NFS_ADMIN_NFT" "$d/admin.nft"
    return 0
}

write_manifest() {   # DIR TIME
    local d=$1 time=$2 podman="" netavark="" cni="" docker="" fw="" nvnft="" dknft=""
    if [ "$NFS_ENGINE" = podman ]; then
        podman=$(ens_in podman --version | awk '{print $3}')
        [ "$ENS_PODMAN_BACKEND" = netavark ] && netavark=$(ens_in /usr/lib/podman/netavark --version | awk '{print $2}')
        [ "$ENS_PODMAN_BACKEND" = cni ] && cni=$(deb_version containernetworking-plugins)
    else
        docker=$(ens_docker version --format '{{.Server.Version}}')
    fi
    [ "$NFS_FIREWALLD" = 1 ] && fw=$(fwn_cmd --version)
    case $NFS_SHAPE in netavark-nft-*) nvnft="1.14.0 ($NFE_NETAVARK_COMMIT) nftables driver, ruleset.nft" ;; esac
    case $NFS_SHAPE in docker29-nft-*) dknft="29.7.2 nftables back end (moby generated docs), ruleset.nft" ;; esac
    jq -n --arg host "$(hostname)" --arg time "$time" --arg sc "$NFS_NOTE" \
        --arg podman "$podman" --arg netavark "$netavark" --arg cni "$cni" --arg docker "$docker" --arg fw "$fw" \
        --arg nv "$nvnft" --arg dk "$dknft" --arg ipt "$(ens_in iptables --version | sed 's/^iptables v//')" \
        --arg nft "$(nft --version | awk '{print $2}')" --arg kernel "$(uname -r)" \
        'def n: if . == "" then null else . end;
         {host:$host, time:$time, scenario:$sc,
          tools:{podman:($podman|n), netavark:($netavark|n), "cni-plugins":($cni|n), docker:($docker|n),
                 firewalld:($fw|n), "netavark-nft-ruleset":($nv|n), "docker-nft-ruleset":($dk|n),
                 iptables:$ipt, nft:$nft, kernel:$kernel}}' > "$d/manifest.json"
}

# the reload step (firewalld shapes): what survives `firewall-cmd --reload`
reload_step() {   # reload_step DIR -> sets RELOAD_SUMMARY, RELOAD_PROBES
    local d=$1/after-reload before after
    mkdir -p "$d"
    before=$(ens_in iptables-save | grep -c '^-A' || true)
    ens_in nft list tables > "$d/nft-tables-before.txt"
    # two marker rules that match nothing the probes send (source 192.0.2.98/99): a permanent+runtime firewalld
    # direct rule and a plain iptables rule (what a fix written with iptables would be)
    local mk=(-s 192.0.2.99/32 -m comment --comment "nfl: direct rule" -j DROP)
    fwn_cmd --permanent --direct --add-rule ipv4 filter FORWARD 0 "${mk[@]}" >/dev/null
    fwn_cmd --direct --add-rule ipv4 filter FORWARD 0 "${mk[@]}" >/dev/null
    ens_in iptables -I FORWARD -s 192.0.2.98/32 -m comment --comment "nfl: plain iptables rule" -j DROP
    fwn_cmd --zone=trusted --list-sources > "$d/trusted-sources-before.txt" 2>&1 || true
    fwn_reload
    sleep 1   # dockerd re-applies its rules on the Reloaded signal
    ens_in iptables-save > "$d/iptables-save.txt"
    ens_in nft list tables > "$d/nft-tables.txt"
    fwn_cmd --get-active-zones > "$d/active-zones.txt" 2>&1 || true
    fwn_cmd --zone=trusted --list-sources > "$d/trusted-sources.txt" 2>&1 || true
    fwn_cmd --direct --get-all-rules > "$d/direct-rules.txt" 2>&1 || true
    nfs_probe "$d/probes.txt"
    after=$(grep -c '^-A' "$d/iptables-save.txt" || true)
    local direct=no plain=no
    grep -q -- '--comment "nfl: direct rule"' "$d/iptables-save.txt" && direct=yes
    grep -q -- '--comment "nfl: plain iptables rule"' "$d/iptables-save.txt" && plain=yes
    RELOAD_ENGINE_NOTE=""
    RELOAD_ENGINE_PROBES=""
    if [ "$NFS_ENGINE" = podman ]; then
        # what restores the engine's iptables rules (netavark below 1.9 and CNI never do it by themselves)
        ens_podman network reload --all >/dev/null 2>&1 || true
        ens_in iptables-save > "$d/iptables-save-after-network-reload.txt"
        nfs_probe "$d/probes-after-network-reload.txt"
        RELOAD_ENGINE_PROBES=$d/probes-after-network-reload.txt
        RELOAD_ENGINE_NOTE=" Then \`podman network reload --all\`: iptables -A lines $(grep -c '^-A' "$d/iptables-save-after-network-reload.txt" || true); probes: $(awk '{printf "%s %s; ", $1, $2}' "$RELOAD_ENGINE_PROBES")(files \`iptables-save-after-network-reload.txt\`, \`probes-after-network-reload.txt\`)."
    fi
    RELOAD_PROBES=$d/probes.txt
    RELOAD_SUMMARY="iptables rules (-A lines) before the reload: $before (plus two marker rules added just before it), after: $after; a permanent firewalld direct rule in filter FORWARD survived: $direct; a plain iptables rule in FORWARD survived: $plain; iptables FORWARD policy after: $(awk '$1 == ":FORWARD" { print $2 }' "$d/iptables-save.txt" | head -1); nft tables before: $(awk '{print $2"/"$3}' "$d/nft-tables-before.txt" | tr '\n' ' ')-> after: $(awk '{print $2"/"$3}' "$d/nft-tables.txt" | tr '\n' ' '); zone trusted sources before: '$(tr -d '\n' < "$d/trusted-sources-before.txt")', after: '$(tr -d '\n' < "$d/trusted-sources.txt")'; active zones after: $(tr '\n' ' ' < "$d/active-zones.txt")"
}

write_readme() {   # DIR TIME PROBES
    local d=$1 time=$2 probes=$3 c pk
    {
        echo "# Fixture \`$NFS_SHAPE\`"
        echo
        echo "$NFS_NOTE"
        echo
        echo "Captured $time on host \`$(hostname)\` (Debian $(cat /etc/debian_version), kernel $(uname -r)) by"
        echo "\`scripts/capture-nft-fixtures.sh $NFS_SHAPE\` (libraries: \`scripts/lib/engines-netns.sh\`,"
        echo "\`firewalld-netns.sh\`, \`nft-engines.sh\`, \`nft-shapes.sh\`). Nothing was edited: ids, MACs, times and"
        echo "private state paths (\`/tmp/ens.<id>/...\`) are as the tools printed them."
        echo
        case $NFS_SHAPE in
            netavark-nft-*)
                echo "**netavark nftables ruleset**: \`ruleset.nft\` is the table netavark v1.14.0's nftables driver writes"
                echo "(commit $NFE_NETAVARK_COMMIT, \`src/firewall/nft.rs\`), generated by \`nfe_netavark_nft\` for this"
                echo "network and these ports and loaded with \`nft -f\`. The containers are real: Podman 4.3 with netavark 1.4"
                echo "created the bridge, the addresses and the containers; netavark 1.4's own iptables rules were then removed"
                echo "(see the commands). \`netavark --version\` still says 1.4.0, which has no working nft driver: the"
                echo "driver shows in the ruleset (table \`inet netavark\`), not in the version." ;;
            docker29-nft-*)
                echo "**Docker 29 nftables ruleset**: \`ruleset.nft\` is the \`ip docker-bridges\` table of Docker v29.7.2's"
                echo "nftables back end (moby's generated nftables docs at docker-v29.7.2, \`nftablesdoc_generated_new-daemon.md\`,"
                echo "\`usernet-portmap.md\`, \`usernet-portmap-lo.md\`), generated by \`nfe_docker29_nft\` and loaded with"
                echo "\`nft -f\` (priority of nat-OUTPUT written as -100: nft 1.0.6 does not take \`dstnat\` on output)."
                echo "The containers are real: dockerd 20.10 with \`--iptables=false\` created docker0 and the containers and"
                echo "wrote no rule; its \`docker inspect\` has the 20.10 shape (Docker 29's API 1.52 drops the top-level"
                echo "\`NetworkSettings.IPAddress\`). No \`ip6 docker-bridges\` table (no IPv6 network)." ;;
        esac
        echo
        echo "## Packages"
        echo
        for pk in podman netavark containernetworking-plugins docker.io firewalld dbus python3-firewall iptables nftables; do
            echo "- $pk $(deb_version "$pk")"
        done
        echo
        echo "## Setup"
        echo
        echo "- engine namespace: \`eth0\` $ENS_ENGINE_IP/$ENS_PREFIX; client namespace: \`eth0\` $ENS_CLIENT_IP/$ENS_PREFIX, default via"
        echo "  $ENS_ENGINE_IP, plus a route to $NFS_SUBNET via $ENS_ENGINE_IP (for the direct probes)."
        echo "- iptables FORWARD policy at capture: $NFS_POLICY. Bridge $NFS_BRIDGE, subnet $NFS_SUBNET."
        if [ "$NFS_FIREWALLD" = 1 ]; then
            echo "- firewalld $(fwn_cmd --version) (FirewallBackend=nftables, default zone $(fwn_cmd --get-default-zone)) ran in the"
            echo "  engine namespace on a private D-Bus system bus, with private /etc/firewalld, /var/lib/firewalld and"
            echo "  /run/firewalld (scripts/lib/firewalld-netns.sh); the engines talked to it. State: \`firewalld/\`."
        fi
        echo
        echo "Commands, in order (in the engine namespace unless said):"
        echo
        echo '```'
        for c in "${NFS_CMDS[@]}"; do echo "$c"; done
        echo '```'
        echo
        echo "## Measured from the client namespace"
        echo
        echo "One python3 socket per probe, all in parallel, timeout $PROBE_TIMEOUT s (\`nfe_probe\` in nft-engines.sh): TCP"
        echo "\`answers\` = connected and an HTTP status line came back; \`timeout\` = dropped; \`refused\` = RST;"
        echo "\`rejected\` = ICMP error (firewalld's admin-prohibited). UDP: nothing listens in the container, so"
        echo "\`reached\` = the container's ICMP port unreachable came back. \`expected.json\` has the same, with the"
        echo "cnifix statuses each result allows (\`answers\`/\`reached\` => ok; timeout/rejected => gap or blocked;"
        echo "a 127.0.0.1-bound port => not-exposed) and, for direct probes, whether it is an exposure."
        echo
        echo "| probe | result |"
        echo "|---|---|"
        while read -r spec res; do [ -n "$spec" ] && echo "| $spec | $res |"; done < "$probes"
        echo
        echo "## Which base chain decided (measured with \`nft monitor trace\`)"
        echo
        echo "During the probes a table \`inet nfltrace\` (prerouting, priority -500, not in the snapshot) set nftrace on"
        echo "packets from and to the client; \`trace.txt\` lists every base chain each traced packet went through, with"
        echo "its verdict and the rule or policy that gave it (iptables-nft rules print as nft sees them). Per probe"
        echo "(\`measured\` in expected.json; for drops, the first drop/reject on the connection's first packet or its reply;"
        echo "the kernel's trace prints a reject rule's verdict as drop, \`outcome\` says reject then):"
        echo
        echo "| probe | outcome | where |"
        echo "|---|---|---|"
        jq -r --arg e "$ENS_ENGINE_IP" '(.ports[] | ["\(.protocol):\($e):\(.hostPort)", .measured]),
                 (.direct[] | ["\(.protocol):\(.containerIp):\(.port)", .measured])
            | "| \(.[0]) | \(.[1].outcome // "not traced") | \(if .[1] == null then "" elif .[1].outcome == "accept"
                then "accepted by: " + (if (.[1].acceptedBy | length) == 0 then "policies only" else (.[1].acceptedBy | join("; ")) end) else "\(.[1].direction): \(.[1].chain), \(.[1].by)" end | gsub("[|]"; "\\|")) |"' \
            "$d/expected.json"
        if [ -n "${RELOAD_SUMMARY:-}" ]; then
            echo
            echo "## After \`firewall-cmd --reload\` (for issue 11)"
            echo
            echo "$RELOAD_SUMMARY.${RELOAD_ENGINE_NOTE:-}"
            echo
            echo "| probe | before | after the reload |"
            echo "|---|---|---|"
            while read -r spec res; do
                [ -n "$spec" ] && echo "| $spec | $res | $(result_of "$RELOAD_PROBES" "$spec") |"
            done < "$probes"
            echo
            echo "Files: \`after-reload/\` (iptables-save.txt, nft-tables.txt, active-zones.txt, trusted-sources.txt,"
            echo "direct-rules.txt, probes.txt). The snapshot files at the top are from before the reload; the two"
            echo "marker rules (sources 192.0.2.98/99) were added after the snapshot, for this step only."
        fi
        echo
        echo "## Files"
        echo
        echo "- \`iptables-save.txt\`, \`ip6tables-save.txt\`, \`nft-ruleset.json\` (\`nft -j list ruleset\`), \`ip-address.json\`,"
        echo "  \`ip-route.json\`, \`ip6-route.json\`: engine namespace, containers up, before the probes."
        echo "- \`ports/\`: $( [ "$NFS_ENGINE" = podman ] && echo "\`podman ps --format json\`, \`podman inspect web multi local\`$( [ "$ENS_PODMAN_BACKEND" = cni ] && echo ", CNI result cache files")" || echo "\`docker inspect web multi local\`")."
        echo "- \`networks/\`: $( [ "$NFS_ENGINE" = podman ] && echo "\`podman network inspect podman\`$( [ "$ENS_PODMAN_BACKEND" = cni ] && echo ", the conflist")" || echo "\`docker network inspect bridge\`")."
        [ "$NFS_FIREWALLD" = 1 ] && echo "- \`firewalld/\`: firewall-cmd --state, --version, --get-default-zone, --get-active-zones, --list-all-zones, --list-all-policies, --direct --get-all-rules (runtime, and --permanent), firewalld.conf (comments dropped)."
        [ -n "$NFS_NFT_FILE" ] && echo "- \`ruleset.nft\`: the file loaded with \`nft -f\`."
        [ -n "${NFS_ADMIN_NFT:-}" ] && echo "- \`admin.nft\`: the admin's own table (\`inet filter\`), loaded with \`nft -f\` as a host's nftables.conf would."
        echo "- \`trace.txt\`: the nft trace of the probes (see above)."
        echo "- \`expected.json\`, \`manifest.json\`."
        echo "- \`nft-ruleset.json\` also holds iptables-nft's tables with xt matches/targets without arguments; \`iptables-save.txt\` is complete for those."
    } > "$d/README.md"
}

note_for() {
    case $1 in
        firewalld-podman-cni) echo "firewalld 1.3 (nftables back end) + Podman 4.3.1 with CNI (Debian's 87-podman-bridge.conflist: bridge cni-podman0 10.88.0.0/16, portmap, firewall plugin, which uses firewalld: zone trusted), iptables FORWARD policy ACCEPT." ;;
        firewalld-netavark) echo "firewalld 1.3 (nftables back end) + Podman 4.3.1 with netavark 1.4.0 (iptables driver; adds the subnet to zone trusted over D-Bus), bridge podman0 10.88.0.0/16, iptables FORWARD policy ACCEPT." ;;
        firewalld-drop-netavark) echo "firewalld 1.3 (nftables back end) + the admin's iptables FORWARD policy DROP + Podman 4.3.1 with netavark 1.4.0 (iptables driver), bridge podman0 10.88.0.0/16." ;;
        netavark-nft-drop) echo "netavark 1.14's nftables table (inet netavark) around real Podman containers on bridge podman0 10.88.0.0/16, with the admin's iptables FORWARD policy DROP; no firewalld." ;;
        netavark-nft-firewalld) echo "netavark 1.14's nftables table (inet netavark) around real Podman containers on bridge podman0 10.88.0.0/16, under firewalld 1.3 (the RHEL 10 shape), iptables FORWARD policy ACCEPT; subnet in zone trusted." ;;
        docker29-nft-drop) echo "Docker 29.7.2's nftables table (ip docker-bridges) around real Docker containers on docker0 172.17.0.0/16, with the admin's iptables FORWARD policy DROP; no firewalld." ;;
        docker29-nft-firewalld) echo "Docker 29.7.2's nftables table (ip docker-bridges) around real Docker containers on docker0 172.17.0.0/16, under firewalld 1.3 with Docker's zone docker (target ACCEPT, interface docker0) and policy docker-forwarding (ANY -> docker, ACCEPT); iptables FORWARD policy ACCEPT." ;;
        admin-nft-netavark) echo "netavark 1.14's nftables table (inet netavark) around real Podman containers on bridge podman0 10.88.0.0/16, beside the admin's own nftables table inet filter whose forward chain has policy drop and no rule (so the containers' replies die there too); iptables FORWARD policy ACCEPT; no firewalld." ;;
        admin-nft-podman-cni) echo "Podman 4.3.1 with CNI (Debian's 87-podman-bridge.conflist: bridge cni-podman0 10.88.0.0/16, portmap, firewall plugin with iptables-nft) beside the admin's own nftables table inet filter whose forward chain has policy drop and ct state established,related accept; iptables FORWARD policy ACCEPT; no firewalld." ;;
        firewalld-docker20) echo "firewalld 1.3 (nftables back end) + Docker 20.10.24 (iptables rules through firewalld's direct passthrough, zone docker with docker0; no docker-forwarding policy: that came in 27.0); dockerd set the iptables FORWARD policy DROP itself." ;;
    esac
}

run_shape() {
    local shape=$1 t0=$SECONDS time dir specs
    RELOAD_SUMMARY="" RELOAD_PROBES="" RELOAD_ENGINE_NOTE="" RELOAD_ENGINE_PROBES=""
    nfs_init "$shape"
    NFS_NOTE=$(note_for "$shape")
    nfs_build "$shape"
    sleep 0.5
    time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    dir=$work/$shape
    rm -rf "$dir"; mkdir -p "$dir"
    capture_snapshot "$dir"
    write_manifest "$dir" "$time"
    nfe_trace_start
    nfs_probe "$work/$shape.probes"
    nfe_trace_stop "$work/$shape.trace.raw"
    nfe_trace_text "$work/$shape.trace.raw" > "$dir/trace.txt"
    mapfile -t specs < <(nfs_probe_specs)
    nfe_trace_json "$work/$shape.trace.raw" "${specs[@]}" > "$work/$shape.trace.json"
    ens_log "probes ($shape): $(tr '\n' ';' < "$work/$shape.probes")"
    [ "$NFS_FIREWALLD" = 1 ] && reload_step "$dir"
    write_expected "$dir/expected.json" "$work/$shape.probes" "$RELOAD_PROBES" "$work/$shape.trace.json"
    write_readme "$dir" "$time" "$work/$shape.probes"
    nfs_teardown
    mkdir -p "$out_base"
    rm -rf "${out_base:?}/$shape"
    cp -r "$dir" "$out_base/$shape"
    ens_log "shape $shape done in $((SECONDS - t0)) s -> $out_base/$shape"
}

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/nfl-capture.XXXXXX)
final() {
    local rc=$?
    set +e
    nfs_teardown
    if [ -n "${ENS_ROOT_SNAPSHOT:-}" ]; then ens_root_compare || rc=1; rm -f "$ENS_ROOT_SNAPSHOT"; fi
    rm -rf "$work"
    exit $rc
}
ENS_STATE=""
trap final EXIT
trap 'exit 130' INT TERM
ens_install_packages
ens_root_snapshot "$work/root-before"
for s in "${shapes[@]}"; do run_shape "$s"; done
ens_log "all done: ${shapes[*]}"
