# shellcheck shell=bash
#
# nft-shapes.sh - build one nftables/firewalld host shape live, inside the namespaces of engines-netns.sh
# (with firewalld-netns.sh and nft-engines.sh). Used by scripts/capture-nft-fixtures.sh (fixtures) and
# scripts/e2e-nft.sh (live cnifix against real probes).
#
# Shapes (the fixture directory names):
#   firewalld-podman-cni       firewalld 1.3 + Podman 4.3 CNI (firewall plugin uses firewalld), FORWARD policy ACCEPT
#   firewalld-netavark         firewalld 1.3 + Podman 4.3 netavark 1.4 (iptables driver), FORWARD policy ACCEPT
#   firewalld-drop-netavark    the same with the admin's iptables FORWARD policy DROP
#   netavark-nft-drop          netavark 1.14 nft table around real Podman containers, iptables FORWARD DROP
#   netavark-nft-firewalld     the same under firewalld (the RHEL 10 shape), FORWARD policy ACCEPT
#   docker29-nft-drop          Docker 29.7.2 nft table around real Docker containers, iptables FORWARD DROP
#   docker29-nft-firewalld     the same under firewalld with Docker's zone `docker` and policy `docker-forwarding`
#   firewalld-docker20         firewalld 1.3 + Docker 20.10 (iptables through firewalld's passthrough)
#   admin-nft-netavark         the admin's own nftables chain `inet filter forward` (policy drop, nothing else: the
#                              replies die there too) beside netavark 1.14's nft table; iptables FORWARD ACCEPT
#   admin-nft-podman-cni       the same chain with `ct state established,related accept` beside Podman 4.3 CNI
#                              (iptables-nft); iptables FORWARD ACCEPT
#
# Containers on every shape (busybox httpd; a registry-free image):
#   web    -p 8080:80
#   multi  -p 8081:81/tcp -p 5353:53/udp   (also serves an UNPUBLISHED port 90; nothing listens on udp 53)
#   local  -p 127.0.0.1:8082:80
#
# How the two nft engines are made real: Debian 12 has neither netavark's nft driver nor Docker 29. The
# containers are created by the real engines (so `podman inspect`/`docker inspect` and the bridge are real):
#   - netavark-nft-*: Podman 4.3 with netavark 1.4 creates the network and containers; then every iptables
#     rule and chain netavark 1.4 wrote (everything named NETAVARK*) is removed with one iptables-restore of the
#     filtered dump, and the table netavark 1.14's nft driver would write for the same network and ports is
#     loaded with `nft -f` (nfe_netavark_nft). Under firewalld, netavark 1.4 adds the subnet to zone trusted
#     over D-Bus exactly as 1.14 does (add_firewalld_if_possible), so that stays.
#   - docker29-nft-*: dockerd 20.10 with --iptables=false creates docker0 and the containers (userland proxy on,
#     as Docker 29's default) and writes no rules; the table Docker 29.7.2's nft back end writes is loaded with
#     `nft -f` (nfe_docker29_nft). Docker 29 does not enable forwarding itself; ip_forward is set to 1 here as
#     the admin would. Under firewalld the zone `docker` (target ACCEPT, interface docker0) and the policy
#     `docker-forwarding` (ingress ANY, egress docker, target ACCEPT) are created with firewall-cmd, as Docker
#     27+ does over D-Bus.
#
# nfs_build SHAPE sets: NFS_SHAPE NFS_ENGINE (podman|docker) NFS_BRIDGE NFS_SUBNET NFS_FIREWALLD (0|1)
#   NFS_POLICY (iptables FORWARD policy) NFS_NFT_FILE (loaded ruleset or "") NFS_IP_<name>,
#   NFS_PORTS (lines "name ctrip hostip proto hostport ctrport"), NFS_DIRECT (lines "name ctrip proto port
#   published(0|1)"), NFS_CMDS (commands for a README), NFS_NOTE (one paragraph).

NFS_SHAPES=(firewalld-podman-cni firewalld-netavark firewalld-drop-netavark netavark-nft-drop
            netavark-nft-firewalld docker29-nft-drop docker29-nft-firewalld firewalld-docker20
            admin-nft-netavark admin-nft-podman-cni)

NFS_CMDS=()
nfs_rec() { NFS_CMDS+=("${*//$ENS_STATE/\$STATE}"); }

nfs_short() {
    case $1 in
        firewalld-podman-cni) echo fc ;; firewalld-netavark) echo fn ;; firewalld-drop-netavark) echo fd ;;
        netavark-nft-drop) echo nd ;; netavark-nft-firewalld) echo nf ;; docker29-nft-drop) echo dd ;;
        docker29-nft-firewalld) echo df ;; firewalld-docker20) echo fk ;;
        admin-nft-netavark) echo an ;; admin-nft-podman-cni) echo ac ;; *) return 1 ;;
    esac
}

# nfs_init SHAPE: ens_init with namespaces named nfl-... (the lab's prefix; NFS_PREFIX overrides it, so that two
# scripts running at once on one machine keep apart)
nfs_init() {
    local id px=${NFS_PREFIX:-nfl}
    id="$px$(nfs_short "$1")$$"
    ENS_ENGINE_NS_NAME=$px-eng-$(nfs_short "$1")-$$ ENS_CLIENT_NS_NAME=$px-cli-$(nfs_short "$1")-$$ ens_init "$id"
}

_nfs_run() {   # _nfs_run NAME PUBLISH... -- CMD...
    local name=$1; shift
    local pub=()
    while [ "$1" != -- ]; do pub+=("$1"); shift; done
    shift
    if [ "$NFS_ENGINE" = podman ]; then
        nfs_rec "podman \$PODMAN_OPTS run -d --name $name ${pub[*]} ${ENS_PODMAN_RUN_OPTS[*]} $ENS_IMAGE $(printf '%q ' "$@")"
        ens_podman run -d --name "$name" "${pub[@]}" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" "$@" >/dev/null
    else
        nfs_rec "docker run -d --name $name ${pub[*]} $ENS_DOCKER_IMAGE $(printf '%q ' "$@")"
        ens_docker run -d --name "$name" "${pub[@]}" "$ENS_DOCKER_IMAGE" "$@" >/dev/null
    fi
}

_nfs_ip() {
    if [ "$NFS_ENGINE" = podman ]; then ens_podman inspect -f '{{.NetworkSettings.IPAddress}}' "$1"
    else ens_docker inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; fi
}

_nfs_containers() {
    _nfs_run web -p 8080:80 -- httpd -f -p 80 -h /www
    _nfs_run multi -p 8081:81/tcp -p 5353:53/udp -- sh -c 'httpd -p 90 -h /www && exec httpd -f -p 81 -h /www'
    _nfs_run local -p 127.0.0.1:8082:80 -- httpd -f -p 80 -h /www
    NFS_IP_web=$(_nfs_ip web) NFS_IP_multi=$(_nfs_ip multi) NFS_IP_local=$(_nfs_ip local)
    NFS_PORTS="web $NFS_IP_web - tcp 8080 80
multi $NFS_IP_multi - tcp 8081 81
multi $NFS_IP_multi - udp 5353 53
local $NFS_IP_local 127.0.0.1 tcp 8082 80"
    NFS_DIRECT="web $NFS_IP_web tcp 80 1
multi $NFS_IP_multi tcp 81 1
multi $NFS_IP_multi tcp 90 0
multi $NFS_IP_multi udp 53 1"
}

_nfs_start_podman() {   # cni|netavark
    ens_podman_select pm "$1"
    local o
    o=$(ens_podman_global_opts | tr '\n' ' ')
    nfs_rec "# PODMAN_OPTS = ${o//$ENS_STATE/\$STATE}(private state; scripts/lib/engines-netns.sh)"
    [ "$1" = cni ] && nfs_rec "cp /etc/cni/net.d/87-podman-bridge.conflist \$STATE/podman-pm/netconf/   # Debian's default network (bridge, portmap, firewall, tuning)"
    nfs_rec "podman \$PODMAN_OPTS import \$STATE/image/cnifix-busybox.tar $ENS_IMAGE"
    ens_podman_import
    NFS_ENGINE=podman
}

_nfs_start_docker() {   # extra dockerd args
    ens_dockerd_start "$@"
    nfs_rec "dockerd ${ENS_DOCKERD_ARGS[*]//$ENS_STATE/\$STATE} &   # in the engine ns (holder)"
    nfs_rec "docker import \$STATE/image/cnifix-busybox.tar $ENS_DOCKER_IMAGE"
    ens_docker_import
    NFS_ENGINE=docker
}

_nfs_firewalld() {
    fwn_start
    nfs_rec "dbus-daemon --config-file=\$STATE/fw/dbus.conf --nofork --nopidfile &   # private bus, no activation"
    nfs_rec "firewalld --nofork --nopid --log-target file --log-file \$STATE/fw/firewalld.log &   # FirewallBackend=nftables, private /etc/firewalld"
    NFS_FIREWALLD=1
}

# remove every iptables rule/chain netavark 1.4 wrote (names NETAVARK*), in all tables, in one restore
_nfs_strip_netavark_iptables() {
    ens_in sh -c 'iptables-save | grep -v NETAVARK | iptables-restore'
    nfs_rec "iptables-save | grep -v NETAVARK | iptables-restore   # netavark 1.4's own iptables rules out"
}

_nfs_load_nft() {   # _nfs_load_nft FILE
    NFS_NFT_FILE=$1
    ens_in nft -f "$1"
    nfs_rec "nft -f ${1//$ENS_STATE/\$STATE}   # see ruleset.nft"
}

# _nfs_admin_nft ESTABLISHED(0|1): the admin's own table, as an /etc/nftables.conf (Debian) or
# /etc/sysconfig/nftables.conf (RHEL) holding a forward policy drop would load it (without its `flush ruleset`,
# which would take the engines' tables with it)
_nfs_admin_nft() {
    local f=$ENS_STATE/admin.nft
    {
        echo 'table inet filter {'
        echo '	chain input {'
        echo '		type filter hook input priority filter; policy accept;'
        echo '	}'
        echo '	chain forward {'
        echo '		type filter hook forward priority filter; policy drop;'
        [ "$1" = 1 ] && echo '		ct state established,related accept'
        echo '	}'
        echo '	chain output {'
        echo '		type filter hook output priority filter; policy accept;'
        echo '	}'
        echo '}'
    } > "$f"
    ens_in nft -f "$f"
    nfs_rec "nft -f admin.nft   # the admin's table inet filter: forward policy drop$( [ "$1" = 1 ] && echo ", ct state established,related accept")"
    NFS_ADMIN_NFT=$f
}

# nfs_build SHAPE: topology, holder, firewalld, engine, containers, rulesets. See the header.
nfs_build() {
    NFS_SHAPE=$1 NFS_FIREWALLD=0 NFS_NFT_FILE="" NFS_ADMIN_NFT="" NFS_CMDS=()
    local policy
    case $1 in
        firewalld-drop-netavark|netavark-nft-drop|docker29-nft-drop) policy=DROP ;;
        firewalld-docker20) policy=none ;;
        *) policy=ACCEPT ;;
    esac
    ens_topology_up "$policy"
    ens_holder_start
    [ "$policy" != none ] && nfs_rec "iptables -P FORWARD $policy"
    # Many rejects at once would hit the kernel's per-peer ICMP rate limit (burst 6) and show as timeouts.
    ens_in sysctl -qw net.ipv4.icmp_ratelimit=0
    nfs_rec "sysctl -w net.ipv4.icmp_ratelimit=0   # every reject gets its ICMP error (probes run in parallel)"
    case $1 in
        firewalld-podman-cni)
            _nfs_firewalld; _nfs_start_podman cni; NFS_BRIDGE=cni-podman0 NFS_SUBNET=10.88.0.0/16
            _nfs_containers ;;
        firewalld-netavark|firewalld-drop-netavark)
            _nfs_firewalld; _nfs_start_podman netavark; NFS_BRIDGE=podman0 NFS_SUBNET=10.88.0.0/16
            _nfs_containers ;;
        netavark-nft-drop|netavark-nft-firewalld|admin-nft-netavark)
            [ "$1" = netavark-nft-firewalld ] && _nfs_firewalld
            _nfs_start_podman netavark; NFS_BRIDGE=podman0 NFS_SUBNET=10.88.0.0/16
            _nfs_containers
            _nfs_strip_netavark_iptables
            local netid
            netid=$(ens_podman network inspect podman --format '{{.ID}}' 2>/dev/null) \
                || netid=$(ens_podman network inspect podman | jq -r '.[0].id')
            nfe_netavark_nft "$NFS_BRIDGE" "$NFS_SUBNET" "$netid" <<< "$NFS_PORTS" > "$ENS_STATE/ruleset.nft"
            _nfs_load_nft "$ENS_STATE/ruleset.nft"
            [ "$1" = admin-nft-netavark ] && _nfs_admin_nft 0
            : ;;
        admin-nft-podman-cni)
            _nfs_start_podman cni; NFS_BRIDGE=cni-podman0 NFS_SUBNET=10.88.0.0/16
            _nfs_containers
            _nfs_admin_nft 1 ;;
        docker29-nft-drop|docker29-nft-firewalld)
            [ "$1" = docker29-nft-firewalld ] && _nfs_firewalld
            _nfs_start_docker --iptables=false --ip-forward=true
            ens_in sysctl -qw net.ipv4.ip_forward=1
            nfs_rec "sysctl -w net.ipv4.ip_forward=1   # Docker 29 with nftables does not enable forwarding itself"
            NFS_BRIDGE=docker0 NFS_SUBNET=172.17.0.0/16
            _nfs_containers
            if [ "$1" = docker29-nft-firewalld ]; then
                fwn_cmd --permanent --new-zone=docker >/dev/null
                fwn_cmd --permanent --zone=docker --set-target=ACCEPT >/dev/null
                fwn_cmd --permanent --new-policy=docker-forwarding >/dev/null
                fwn_cmd --permanent --policy=docker-forwarding --add-ingress-zone=ANY >/dev/null
                fwn_cmd --permanent --policy=docker-forwarding --add-egress-zone=docker >/dev/null
                fwn_cmd --permanent --policy=docker-forwarding --set-target=ACCEPT >/dev/null
                fwn_reload
                fwn_cmd --zone=docker --add-interface=docker0 >/dev/null
                nfs_rec "firewall-cmd --permanent --new-zone=docker; firewall-cmd --permanent --zone=docker --set-target=ACCEPT"
                nfs_rec "firewall-cmd --permanent --new-policy=docker-forwarding --add-ingress-zone=ANY --add-egress-zone=docker --set-target=ACCEPT   # (as separate calls)"
                nfs_rec "firewall-cmd --reload; firewall-cmd --zone=docker --add-interface=docker0   # what Docker 27+ does over D-Bus"
            fi
            nfe_docker29_nft "$NFS_BRIDGE" "$NFS_SUBNET" <<< "$NFS_PORTS" > "$ENS_STATE/ruleset.nft"
            _nfs_load_nft "$ENS_STATE/ruleset.nft" ;;
        firewalld-docker20)
            _nfs_firewalld; _nfs_start_docker; NFS_BRIDGE=docker0 NFS_SUBNET=172.17.0.0/16
            _nfs_containers ;;
        *) ens_die "unknown shape $1"; return 1 ;;
    esac
    NFS_POLICY=$(ens_in iptables -S FORWARD | awk '$1 == "-P" { print $3 }')
    # the client reaches the container subnet through the engine (direct-to-container probes)
    ip -n "$ENS_CLIENT_NS" route add "$NFS_SUBNET" via "$ENS_ENGINE_IP"
    nfs_rec "ip route add $NFS_SUBNET via $ENS_ENGINE_IP   # in the client ns: a route to the containers"
}

# nfs_probe_specs: every published host port, then the direct-to-container probes
nfs_probe_specs() {
    local name ip hip proto hp cp pub
    while read -r name ip hip proto hp cp; do echo "$proto:$ENS_ENGINE_IP:$hp"; done <<< "$NFS_PORTS"
    while read -r name ip proto cp pub; do echo "$proto:$ip:$cp"; done <<< "$NFS_DIRECT"
}

# nfs_probe FILE: run all probes (parallel), "spec result" lines into FILE
nfs_probe() {
    local specs
    mapfile -t specs < <(nfs_probe_specs)
    nfe_probe "${specs[@]}" > "$1"
}

# teardown of the parts ens_cleanup does not know: firewalld and its bus
nfs_teardown() {
    fwn_stop
    ens_cleanup
}
