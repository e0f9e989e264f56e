# shellcheck shell=bash
#
# engines-netns.sh - run the REAL container engines (Podman with CNI or netavark,
# Docker) inside throw-away network namespaces, without touching the machine's own
# (root) network namespace.
#
# Source it from bash (4.4+), as root, on Debian 12:
#
#     . scripts/lib/engines-netns.sh
#     ens_init myrun                  # names, private state dir
#     trap ens_cleanup EXIT           # idempotent, safe to call more than once
#     trap 'exit 130' INT TERM
#     ens_install_packages            # apt-get only for what is missing
#     ens_root_snapshot               # remember the root namespace's firewall/links
#     ens_topology_up DROP            # engine ns + client ns, FORWARD policy DROP
#     ens_holder_start                # long-lived process the engines run under
#     ens_image_tar                   # registry-free busybox image tar
#     ens_podman_select pm cni        # private podman instance "pm", CNI backend
#     ens_podman_import
#     ens_podman run -d --name web -p 8080:80 "${ENS_PODMAN_RUN_OPTS[@]}" \
#         "$ENS_IMAGE" httpd -f -p 80 -h /www
#     ens_probe_tcp 8080              # from the client ns: 200 / timeout / refused
#     ens_cleanup; ens_root_compare   # everything gone, root namespace unchanged
#
# Topology
#     client ns  eth0 198.51.100.2/24, default via 198.51.100.1
#        |  veth (both ends created directly inside the namespaces)
#     engine ns  eth0 198.51.100.1/24, lo; iptables FORWARD policy DROP (optional)
#                podman / dockerd / containers live here.
#
# Why a "holder" process (three obstacles met on this kind of machine):
#  1. `ip netns exec NS cmd` gives every call a fresh mount namespace and remounts
#     /sys for the netns, which loses the cgroup mounts: crun then fails with
#     "invalid file system type on '/sys/fs/cgroup'", and one podman call cannot see
#     the mounts of the previous one. So ONE process is started under
#     `ip netns exec`, it replays the root's cgroup mounts and sleeps; every engine
#     command runs with `nsenter -t <holder> -m -n` (ens_in), so all of them share
#     one mount namespace and one network namespace.
#  2. crun 1.8 rejects a hybrid cgroup v1+v2 layout ("cgroups in hybrid mode not
#     supported"): on a hybrid host the cgroup2 mount (/sys/fs/cgroup/unified) is
#     left out of the replay, giving crun a pure v1 view. A pure v2 host is replayed
#     as v2.
#  3. Without CAP_SYS_RESOURCE podman's default rlimits fail ("setrlimit
#     RLIMIT_NOFILE: Operation not permitted"): ENS_PODMAN_RUN_OPTS carries
#     --ulimit nofile=<hard limit> and nproc=<min(hard limit, kernel.pid_max)>
#     (conmon runs with a hard RLIMIT_NPROC of pid_max, 32768 here; more fails with
#     "setrlimit RLIMIT_NPROC: Operation not permitted"). Docker needs nothing.
#
# Isolation of state (nothing is left in the machine's global directories):
#  - Inside the holder's mount namespace: a private tmpfs on /run (podman's netns
#    files, netavark's /run/containers/networks, crun/runc state, /run/docker/plugins,
#    xtables lock; the holder mounts with "mount -n" so no /run/mount appears) and on /dev/shm (podman's SHM lock segment
#    "libpod_lock"); binds of $ENS_STATE/mnt/* over the directories listed in
#    ENS_PRIVATE_BINDS (below). A missing mount point is created and removed again
#    by ens_cleanup (an empty directory stays only if the shell is SIGKILLed).
#  - podman runs with private --root/--runroot/--tmpdir/--network-config-dir
#    (one set per ens_podman_select name), TMPDIR and --cgroup-parent.
#  - dockerd runs with private --data-root/--exec-root/-H unix socket/--pidfile and
#    --cgroup-parent; the docker CLI (ens_docker, /usr/bin/docker) talks to that socket.
#  - cgroup directories made by the runtimes live under /cnifix-<id>-podman and
#    /cnifix-<id>-docker in every hierarchy; ens_cleanup removes them.
#
# Nothing here changes the root network namespace: no iptables/nft/sysctl/link/
# address/route there. Test traffic only goes to addresses of the namespaces.
# ens_root_snapshot / ens_root_compare check that.
#
# The functions work in scripts running with `set -euo pipefail`; ens_cleanup never
# fails and restores -e if it was set.
#
# Functions (all prefixed ens_; variables ENS_*):
#   ens_init [NAME]             set names/paths; ENS_ID = NAME (default: pid)
#   ens_install_packages        podman, containernetworking-plugins, netavark,
#                               docker.io, busybox-static, iptables, iproute2,
#                               nftables, curl - only if missing
#   ens_root_snapshot / ens_root_compare
#   ens_topology_up [DROP|ACCEPT|none]   default DROP; "none" leaves the policy
#                               alone (then dockerd sets DROP itself)
#   ens_holder_start / ens_in CMD...     run CMD in the engine ns (holder's mounts)
#   ens_client CMD...           run CMD in the client ns
#   ens_image_tar               -> $ENS_IMAGE_TAR
#   ens_podman_select NAME cni|netavark; ens_podman ARGS...; ens_podman_import
#   ens_dockerd_start; ens_docker ARGS...; ens_docker_import; ens_dockerd_stop
#   ens_probe_tcp PORT [HOST]   prints "200" (HTTP code) / "timeout" / "refused" / ...
#   ens_probe_udp PORT [HOST]   prints "reached" (ICMP port unreachable came back,
#                               so the datagram got to the container) / "timeout"
#   ens_probe_many tcp:8080 udp:5353 ...  the probes in parallel (one timeout total)
#   ens_cleanup                 tear everything down (idempotent, never fails)
#
# Timings seen on a 2-core Debian 12 VM: package install ~30 s (once), topology +
# holder < 1 s, podman import ~1 s, podman run 0.3-1 s, dockerd ready ~1 s.

# ---------------------------------------------------------------------------
# configuration

ENS_ENGINE_IP=${ENS_ENGINE_IP:-198.51.100.1}
ENS_CLIENT_IP=${ENS_CLIENT_IP:-198.51.100.2}
ENS_PREFIX=${ENS_PREFIX:-24}
ENS_DOCKER_BIN=${ENS_DOCKER_BIN:-/usr/bin/docker}   # not a docker CLI earlier in PATH
ENS_PODMAN_STORAGE_DRIVER=${ENS_PODMAN_STORAGE_DRIVER:-overlay}
ENS_IMAGE=${ENS_IMAGE:-localhost/cnifix-busybox:latest}          # podman name
ENS_DOCKER_IMAGE=${ENS_DOCKER_IMAGE:-cnifix-busybox:latest}       # docker name
ENS_PACKAGES=(podman containernetworking-plugins netavark docker.io busybox-static
              iptables iproute2 nftables curl)
ENS_APT_UPDATED=${ENS_APT_UPDATED:-0}
# Global directories the engines write to although told to use private state;
# inside the holder's mount namespace each is replaced by a bind of
# $ENS_STATE/mnt/<path with dashes>:
#   /var/lib/cni         CNI result cache (results/) and host-local IPAM leases
#   /var/lib/containers  podman import's cache/blob-info-cache-v1.boltdb
#   /etc/docker          dockerd 20.10 writes key.json
#   /opt/containerd      containerd (started by dockerd) creates bin/ and lib/
ENS_PRIVATE_BINDS=(/var/lib/cni /var/lib/containers /etc/docker /opt/containerd)

ens_log() { printf '[ens %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ens_die() { ens_log "ERROR: $*"; return 1; }

# ens_init [NAME]: choose names and the private state directory. Call first.
# NAME: letters, digits, dash; keep it short (unix socket paths under the state dir).
ens_init() {
    [ "$(id -u)" = 0 ] || { ens_die "must run as root"; return 1; }
    ENS_ID=${1:-$$}
    ENS_ENGINE_NS=${ENS_ENGINE_NS_NAME:-ens-eng-$ENS_ID}
    ENS_CLIENT_NS=${ENS_CLIENT_NS_NAME:-ens-cli-$ENS_ID}
    # must be on a real file system, NOT under /run, /dev/shm or /var/lib/cni
    ENS_STATE=${ENS_STATE_BASE:-/tmp}/ens.$ENS_ID
    ENS_CGROUP_PODMAN=/cnifix-$ENS_ID-podman
    ENS_CGROUP_DOCKER=/cnifix-$ENS_ID-docker
    ENS_HOLDER_PID=
    ENS_DOCKERD_PID=
    ENS_DOCKER_SOCK=$ENS_STATE/docker/docker.sock
    ENS_IMAGE_TAR=$ENS_STATE/image/cnifix-busybox.tar
    ENS_PODMAN_NAME=
    ENS_PODMAN_BACKEND=
    ENS_PODMAN_RUN_OPTS=()
    mkdir -p "$ENS_STATE" && chmod 700 "$ENS_STATE"
    ens_log "init id=$ENS_ID state=$ENS_STATE engine-ns=$ENS_ENGINE_NS client-ns=$ENS_CLIENT_NS"
}

# ---------------------------------------------------------------------------
# packages

ens_install_packages() {
    local missing=() p
    for p in "${ENS_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && { ens_log "packages present"; return 0; }
    ens_log "installing: ${missing[*]}"
    # A package's postinst must not start a daemon (dockerd!) in the root namespace.
    local tmp_policy=0 rc
    if [ -e /usr/sbin/policy-rc.d ]; then
        rc=0; /usr/sbin/policy-rc.d >/dev/null 2>&1 || rc=$?
        [ "$rc" = 101 ] || { ens_die "/usr/sbin/policy-rc.d exits $rc, not 101: refusing to install (dockerd would start in the root namespace)"; return 1; }
    else
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        tmp_policy=1
    fi
    if [ "$ENS_APT_UPDATED" != 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || { [ $tmp_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; return 1; }
        ENS_APT_UPDATED=1
    fi
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"${ENS_STATE:-/tmp}/apt-install.log" 2>&1 || rc=$?
    [ $tmp_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ $rc = 0 ] || { tail -20 "${ENS_STATE:-/tmp}/apt-install.log" >&2; ens_die "apt-get install failed"; return 1; }
}

# ---------------------------------------------------------------------------
# root namespace guard

_ens_root_state() {
    echo "== iptables-save";  iptables-save 2>&1  | grep -v '^#' || true
    echo "== ip6tables-save"; ip6tables-save 2>&1 | grep -v '^#' || true
    echo "== nft";            nft list ruleset 2>&1 || true
    echo "== links";          ip -o link show | sed 's/ qlen [0-9]*//'
    echo "== addr";           ip -o address show
    echo "== route";          ip route show table all
    # the machine's real system bus and firewalld configuration (firewalld-netns.sh runs private ones)
    echo "== /run/dbus";      stat -c '%i %A %U:%G' /run/dbus 2>&1; ls -liA --time-style=+ /run/dbus 2>&1 | grep -v '^total' || true
    echo "== /etc/firewalld"; if [ -d /etc/firewalld ]; then (cd /etc/firewalld && find . -type f -exec md5sum {} + | sort -k2); fi
    echo "== sysctl"
    local f
    for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/forwarding \
             /proc/sys/net/ipv6/conf/all/forwarding /proc/sys/net/bridge/bridge-nf-call-iptables; do
        if [ -r "$f" ]; then echo "$f $(cat "$f")"; fi
    done
    return 0
}

# ens_root_snapshot [FILE]: record the root namespace's firewall, links, routes.
ens_root_snapshot() {
    ENS_ROOT_SNAPSHOT=${1:-${ENS_STATE_BASE:-/tmp}/ens-root-before.$$}
    _ens_root_state > "$ENS_ROOT_SNAPSHOT"
    ens_log "root namespace snapshot: $ENS_ROOT_SNAPSHOT ($(grep -c . "$ENS_ROOT_SNAPSHOT") lines)"
}

# ens_root_compare: 0 if the root namespace looks as at ens_root_snapshot.
ens_root_compare() {
    [ -n "${ENS_ROOT_SNAPSHOT:-}" ] || { ens_die "no snapshot"; return 1; }
    if _ens_root_state | diff -u "$ENS_ROOT_SNAPSHOT" - >&2; then
        ens_log "root namespace unchanged"
    else
        ens_die "root namespace CHANGED (diff above)"; return 1
    fi
}

# ---------------------------------------------------------------------------
# topology

# ens_topology_up [DROP|ACCEPT|none]
ens_topology_up() {
    local policy=${1:-DROP}
    ip netns add "$ENS_ENGINE_NS" || return 1
    ip netns add "$ENS_CLIENT_NS" || return 1
    ip -n "$ENS_ENGINE_NS" link set lo up
    ip -n "$ENS_CLIENT_NS" link set lo up
    # both veth ends are created inside the namespaces: nothing appears in the root ns
    ip -n "$ENS_ENGINE_NS" link add eth0 type veth peer name eth0 netns "$ENS_CLIENT_NS" || return 1
    ip -n "$ENS_ENGINE_NS" address add "$ENS_ENGINE_IP/$ENS_PREFIX" dev eth0
    ip -n "$ENS_CLIENT_NS" address add "$ENS_CLIENT_IP/$ENS_PREFIX" dev eth0
    ip -n "$ENS_ENGINE_NS" link set eth0 up
    ip -n "$ENS_CLIENT_NS" link set eth0 up
    ip -n "$ENS_CLIENT_NS" route add default via "$ENS_ENGINE_IP" || return 1
    ENS_FORWARD_POLICY=$policy
    ens_log "topology up ($ENS_ENGINE_NS $ENS_ENGINE_IP <-> $ENS_CLIENT_NS $ENS_CLIENT_IP)"
}

# ---------------------------------------------------------------------------
# holder

# Lists the mounts the holder replays: cgroup v1 hierarchies only on a hybrid host,
# the single cgroup2 mount on a pure v2 host. Lines: "fstype source target options".
_ens_cgroup_mounts() {
    local dev dir type opts rest v1=0
    while read -r dev dir type opts rest; do
        [ "$type" = cgroup ] && case $dir in /sys/fs/cgroup/*) v1=1 ;; esac
    done < /proc/self/mounts
    while read -r dev dir type opts rest; do
        case $dir in /sys/fs/cgroup|/sys/fs/cgroup/*) ;; *) continue ;; esac
        case $type in
            cgroup)  echo "cgroup $dev $dir $opts" ;;
            cgroup2) if [ $v1 = 0 ]; then echo "cgroup2 $dev $dir $opts"; fi ;;
        esac
    done < /proc/self/mounts
    return 0
}

# ens_holder_start: start the long-lived process in the engine ns (see header).
ens_holder_start() {
    local d=$ENS_STATE
    # private binds; a missing mount point is created and remembered for cleanup
    local mp name
    : > "$d/holder-binds"
    for mp in "${ENS_PRIVATE_BINDS[@]}"; do
        name=$(echo "${mp#/}" | tr / -)
        mkdir -p "$d/mnt/$name" || return 1
        if [ ! -d "$mp" ]; then
            mkdir -p "$mp" && echo "$mp" >> "$d/created-mountpoints"
        fi
        echo "$name $mp" >> "$d/holder-binds"
    done
    _ens_cgroup_mounts > "$d/holder-cgroups"
    cat > "$d/holder.sh" <<'EOF'
#!/bin/sh
# Runs under `ip netns exec` (own mount ns, / is rslave, /sys is a fresh sysfs).
set -e
state=$1
# "mount -n": util-linux would otherwise create /run/mount (utab) in the real /run
mount -n -t tmpfs -o mode=755,nosuid,nodev ens-run /run
mkdir -p /run/lock /run/netns
if grep -q '^cgroup2 .* /sys/fs/cgroup ' "$state/holder-cgroups"; then
    : # pure v2: mounted directly on /sys/fs/cgroup below
else
    mount -n -t tmpfs -o mode=755,nosuid,nodev,noexec ens-cgroup /sys/fs/cgroup
fi
while read -r type src dir opts; do
    mkdir -p "$dir"
    mount -n -t "$type" -o "$opts" "$src" "$dir"
done < "$state/holder-cgroups"
mount -n -t tmpfs -o mode=1777,nosuid,nodev ens-shm /dev/shm
while read -r name target; do
    mount -n --bind "$state/mnt/$name" "$target"
done < "$state/holder-binds"
touch "$state/holder.ready"
exec sleep infinity
EOF
    rm -f "$d/holder.ready"
    ip netns exec "$ENS_ENGINE_NS" sh "$d/holder.sh" "$d" > "$d/holder.log" 2>&1 &
    ENS_HOLDER_PID=$!     # `ip netns exec` execs, so this stays the holder's pid
    echo "$ENS_HOLDER_PID" > "$d/holder.pid"
    local i
    for i in $(seq 1 100); do
        [ -e "$d/holder.ready" ] && break
        kill -0 "$ENS_HOLDER_PID" 2>/dev/null || { cat "$d/holder.log" >&2; ens_die "holder died"; return 1; }
        sleep 0.05
    done
    [ -e "$d/holder.ready" ] || { ens_die "holder not ready"; return 1; }
    if [ "${ENS_FORWARD_POLICY:-none}" != none ]; then
        ens_in iptables -P FORWARD "$ENS_FORWARD_POLICY" || return 1
    fi
    ens_log "holder pid $ENS_HOLDER_PID (FORWARD policy: ${ENS_FORWARD_POLICY:-none})"
}

# ens_in CMD...: run CMD in the engine netns with the holder's mounts.
ens_in() {
    [ -n "${ENS_HOLDER_PID:-}" ] || { ens_die "no holder"; return 1; }
    nsenter -t "$ENS_HOLDER_PID" -m -n -- "$@"
}

# ens_client CMD...: run CMD in the client netns.
ens_client() { ip netns exec "$ENS_CLIENT_NS" "$@"; }

# ---------------------------------------------------------------------------
# image

# ens_image_tar: a rootfs tar with static busybox (sh, httpd, nc, ...), /etc/passwd,
# /etc/group and /www/index.html; deterministic bytes (sorted, mtime 0, uid 0).
ens_image_tar() {
    [ -s "$ENS_IMAGE_TAR" ] && return 0
    local r=$ENS_STATE/image/rootfs a
    mkdir -p "$r"/bin "$r"/etc "$r"/www "$r"/proc "$r"/sys "$r"/dev "$r"/tmp "$r"/root || return 1
    chmod 1777 "$r/tmp"
    cp /bin/busybox "$r/bin/busybox" || return 1
    for a in sh ash cat echo env hostname httpd id ip ls nc netstat ps sleep true wget; do
        ln -s busybox "$r/bin/$a"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
    printf 'cnifix ok\n' > "$r/www/index.html"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" -cf "$ENS_IMAGE_TAR" . || return 1
    ens_log "image tar $ENS_IMAGE_TAR ($(stat -c %s "$ENS_IMAGE_TAR") bytes)"
}

# ---------------------------------------------------------------------------
# podman

# ens_podman_select NAME cni|netavark: use (create) private podman instance NAME.
# For cni the config dir is seeded with the distribution's 87-podman-bridge.conflist
# (as a default install would use it); set ENS_PODMAN_SEED_CONFLIST=0 to let podman
# create its in-memory default network instead.
ens_podman_select() {
    ENS_PODMAN_NAME=$1 ENS_PODMAN_BACKEND=$2
    case $2 in cni|netavark) ;; *) ens_die "backend must be cni or netavark"; return 1 ;; esac
    local p=$ENS_STATE/podman-$1
    mkdir -p "$p/root" "$p/runroot" "$p/tmp" "$p/vartmp" "$p/netconf" || return 1
    grep -qx "$1 $2" "$ENS_STATE/podman-instances" 2>/dev/null || echo "$1 $2" >> "$ENS_STATE/podman-instances"
    if [ "$2" = cni ] && [ "${ENS_PODMAN_SEED_CONFLIST:-1}" = 1 ] \
       && [ -f /etc/cni/net.d/87-podman-bridge.conflist ] && [ ! -e "$p/netconf/87-podman-bridge.conflist" ]; then
        cp -p /etc/cni/net.d/87-podman-bridge.conflist "$p/netconf/"
    fi
    # shellcheck disable=SC2034  # for callers: where the network configs live
    ENS_PODMAN_CONFIG_DIR=$p/netconf
    # Container rlimits: nofile = our hard limit; nproc = min(hard limit, kernel.pid_max),
    # because conmon/crun run with a hard RLIMIT_NPROC of pid_max (32768 here), and
    # asking more fails with "setrlimit RLIMIT_NPROC: Operation not permitted".
    local nofile nproc pidmax
    nofile=$(ulimit -Hn) nproc=$(ulimit -Hu) pidmax=$(cat /proc/sys/kernel/pid_max)
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ]; then nproc=$pidmax; fi
    ENS_PODMAN_RUN_OPTS=(--cgroup-parent "$ENS_CGROUP_PODMAN")
    [ "$nofile" != unlimited ] && ENS_PODMAN_RUN_OPTS+=(--ulimit "nofile=$nofile:$nofile")
    ENS_PODMAN_RUN_OPTS+=(--ulimit "nproc=$nproc:$nproc")
    return 0
}

# the global options ens_podman passes (also handy for documentation)
ens_podman_global_opts() {
    local p=$ENS_STATE/podman-$ENS_PODMAN_NAME
    printf '%s\n' --root "$p/root" --runroot "$p/runroot" --tmpdir "$p/tmp" \
        --network-config-dir "$p/netconf" --network-backend "$ENS_PODMAN_BACKEND" \
        --cgroup-manager cgroupfs --events-backend file --storage-driver "$ENS_PODMAN_STORAGE_DRIVER"
}

# ens_podman_wrapper: writes $ENS_STATE/podman-wrapper, a podman that carries the selected instance's private
# root/runroot/config (for programs that run podman themselves: cnifix --podman, its hook, watch), and prints its path
ens_podman_wrapper() {
    local w=$ENS_STATE/podman-wrapper o
    {
        echo '#!/bin/sh'
        printf 'exec env TMPDIR=%q podman' "$ENS_STATE/podman-$ENS_PODMAN_NAME/vartmp"
        while read -r o; do printf ' %q' "$o"; done < <(ens_podman_global_opts)
        echo ' "$@"'
    } > "$w"
    chmod 755 "$w"
    echo "$w"
}

# ens_podman ARGS...: podman of the selected instance, inside the engine ns.
ens_podman() {
    [ -n "${ENS_PODMAN_NAME:-}" ] || { ens_die "ens_podman_select first"; return 1; }
    local opts
    mapfile -t opts < <(ens_podman_global_opts)
    ens_in env TMPDIR="$ENS_STATE/podman-$ENS_PODMAN_NAME/vartmp" podman "${opts[@]}" "$@"
}

ens_podman_import() {
    ens_image_tar || return 1
    ens_podman import --quiet "$ENS_IMAGE_TAR" "$ENS_IMAGE" >/dev/null
}

# ---------------------------------------------------------------------------
# docker

# ens_docker ARGS...: docker CLI (/usr/bin/docker) on the private dockerd socket.
ens_docker() {
    DOCKER_CONFIG=$ENS_STATE/docker/cli "$ENS_DOCKER_BIN" -H "unix://$ENS_DOCKER_SOCK" "$@"
}

# ens_dockerd_start [EXTRA DOCKERD ARGS...]
ens_dockerd_start() {
    local d=$ENS_STATE/docker
    mkdir -p "$d/data" "$d/exec" "$d/cli" || return 1
    ENS_DOCKERD_ARGS=(--data-root "$d/data" --exec-root "$d/exec" -H "unix://$ENS_DOCKER_SOCK"
        --pidfile "$d/dockerd.pid" --cgroup-parent "$ENS_CGROUP_DOCKER" "$@")
    # a plain command (not the ens_in function) so that $! is nsenter, which execs dockerd
    [ -n "${ENS_HOLDER_PID:-}" ] || { ens_die "no holder"; return 1; }
    nsenter -t "$ENS_HOLDER_PID" -m -n -- dockerd "${ENS_DOCKERD_ARGS[@]}" > "$d/dockerd.log" 2>&1 &
    ENS_DOCKERD_PID=$!
    echo "$ENS_DOCKERD_PID" > "$d/dockerd.nsenter-pid"
    local i
    for i in $(seq 1 150); do
        ens_docker version >/dev/null 2>&1 && { ens_log "dockerd pid $ENS_DOCKERD_PID ready"; return 0; }
        kill -0 "$ENS_DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$d/dockerd.log" >&2
    ens_die "dockerd did not come up"
}

ens_docker_import() {
    ens_image_tar || return 1
    ens_docker import "$ENS_IMAGE_TAR" "$ENS_DOCKER_IMAGE" >/dev/null
}

# ens_dockerd_stop: remove all containers (SIGKILL, no stop timeout), stop dockerd.
ens_dockerd_stop() {
    local pid=${ENS_DOCKERD_PID:-}
    [ -z "$pid" ] && [ -f "${ENS_STATE:-/nonexistent}/docker/dockerd.nsenter-pid" ] \
        && pid=$(cat "$ENS_STATE/docker/dockerd.nsenter-pid")
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        local ids
        ids=$(ens_docker ps -aq 2>/dev/null) || ids=
        # shellcheck disable=SC2086
        [ -n "$ids" ] && ens_docker rm -f $ids >/dev/null 2>&1
        kill -TERM "$pid" 2>/dev/null
        local i
        for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { ens_log "dockerd $pid did not stop, SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
    fi
    wait "$pid" 2>/dev/null || true
    ENS_DOCKERD_PID=
    rm -f "$ENS_STATE/docker/dockerd.nsenter-pid"
}

# ---------------------------------------------------------------------------
# probes from the client namespace

# ens_probe_tcp PORT [HOST] [TIMEOUT]: HTTP GET; prints the HTTP code, "timeout",
# "refused" or "curl-exit-N".
ens_probe_tcp() {
    local port=$1 host=${2:-$ENS_ENGINE_IP} t=${3:-3} code rc=0
    code=$(ens_client curl -s -o /dev/null -w '%{http_code}' --connect-timeout "$t" -m "$((t + 1))" \
        "http://$host:$port/" 2>/dev/null) || rc=$?
    case $rc in
        0) echo "$code" ;;
        28) echo timeout ;;
        7) echo refused ;;
        *) echo "curl-exit-$rc" ;;
    esac
}

# ens_probe_udp PORT [HOST] [TIMEOUT]: send one datagram from a connected UDP socket.
# Nothing listens on the container side, so a datagram that gets through DNAT and
# FORWARD comes back as ICMP port unreachable ("reached"); a dropped one gives
# "timeout"; "reply" if something answered.
ens_probe_udp() {
    local port=$1 host=${2:-$ENS_ENGINE_IP} t=${3:-3}
    # shellcheck disable=SC2016  # expanded by the inner bash
    ens_client bash -c '
        exec 3<>"/dev/udp/$1/$2" || { echo error; exit 0; }
        printf "cnifix\n" >&3
        sleep 0.3
        printf "cnifix\n" >&3 2>/dev/null || { echo reached; exit 0; }
        if IFS= read -r -t "$3" line <&3; then echo reply
        elif [ $? -gt 128 ]; then echo timeout
        else echo reached
        fi' ens-udp "$host" "$port" "$t"
}

# ens_probe_many SPEC...: run probes in parallel; SPEC is tcp:PORT or udp:PORT
# (optionally tcp:HOST:PORT). Prints one "SPEC RESULT" line per SPEC, in order.
ens_probe_many() {
    local dir spec i=0 proto rest host port pids=()
    dir=$(mktemp -d "$ENS_STATE/probe.XXXXXX") || return 1
    for spec in "$@"; do
        proto=${spec%%:*} rest=${spec#*:}
        case $rest in *:*) host=${rest%:*} port=${rest##*:} ;; *) host=$ENS_ENGINE_IP port=$rest ;; esac
        case $proto in
            tcp) ens_probe_tcp "$port" "$host" > "$dir/$i" & pids+=($!) ;;
            udp) ens_probe_udp "$port" "$host" > "$dir/$i" & pids+=($!) ;;
            *) echo "bad-spec" > "$dir/$i" ;;
        esac
        i=$((i + 1))
    done
    # Only the probes: a bare "wait" would also wait for the holder and dockerd when not run in a subshell.
    [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
    i=0
    for spec in "$@"; do echo "$spec $(cat "$dir/$i")"; i=$((i + 1)); done
    rm -rf "$dir"
}

# ---------------------------------------------------------------------------
# cleanup

# pids in our cgroup subtrees (any hierarchy)
_ens_cgroup_dirs() {
    local dev dir type rest name
    while read -r dev dir type rest; do
        case $type in cgroup|cgroup2) ;; *) continue ;; esac
        for name in "$ENS_CGROUP_PODMAN" "$ENS_CGROUP_DOCKER"; do
            if [ -d "$dir$name" ]; then echo "$dir$name"; fi
        done
    done < /proc/self/mounts
    return 0
}

_ens_kill_pids() {   # SIGKILL the given pids (all of them started by us), skip self
    local p
    for p in "$@"; do
        [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
        kill -KILL "$p" 2>/dev/null
    done
}

# ens_cleanup: remove containers, stop engines, kill what is left in our namespaces
# and cgroups, delete the namespaces, the mount points we created, the cgroup dirs
# and the state dir. Idempotent; returns 0.
ens_cleanup() {
    [ -n "${ENS_STATE:-}" ] || return 0
    local name backend had_e=0
    case $- in *e*) had_e=1 ;; esac
    set +e
    [ -z "${ENS_HOLDER_PID:-}" ] && [ -f "$ENS_STATE/holder.pid" ] && ENS_HOLDER_PID=$(cat "$ENS_STATE/holder.pid")
    if [ -n "${ENS_HOLDER_PID:-}" ] && ! kill -0 "$ENS_HOLDER_PID" 2>/dev/null; then ENS_HOLDER_PID=; fi

    # 1. engines, politely (so they remove their own rules and processes)
    ens_dockerd_stop
    if [ -n "${ENS_HOLDER_PID:-}" ] && [ -f "$ENS_STATE/podman-instances" ]; then
        while read -r name backend; do
            ENS_PODMAN_NAME=$name ENS_PODMAN_BACKEND=$backend
            ens_podman rm -a -f -t 0 >/dev/null 2>&1
        done < "$ENS_STATE/podman-instances"
        ENS_PODMAN_NAME=
    fi

    # 2. whatever is left in our cgroups and namespaces (only our own processes)
    local cg pids round
    for round in 1 2 3; do
        pids=()
        for cg in $(_ens_cgroup_dirs); do
            mapfile -t -O "${#pids[@]}" pids < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
        done
        local ns
        for ns in "${ENS_ENGINE_NS:-}" "${ENS_CLIENT_NS:-}"; do
            [ -n "$ns" ] && [ -e "/run/netns/$ns" ] && mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
        done
        [ -n "${ENS_HOLDER_PID:-}" ] && pids+=("$ENS_HOLDER_PID")
        [ ${#pids[@]} -eq 0 ] && break
        [ $round -gt 1 ] && ens_log "killing leftover pids: ${pids[*]}"
        _ens_kill_pids "${pids[@]}"
        [ -n "${ENS_HOLDER_PID:-}" ] && wait "$ENS_HOLDER_PID" 2>/dev/null
        ENS_HOLDER_PID=
        sleep 0.2
    done

    # 3. namespaces
    for ns in "${ENS_ENGINE_NS:-}" "${ENS_CLIENT_NS:-}"; do
        [ -n "$ns" ] && [ -e "/run/netns/$ns" ] && ip netns delete "$ns"
    done

    # 4. cgroup directories (deepest first)
    for cg in $(_ens_cgroup_dirs); do
        find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
        [ -d "$cg" ] && ens_log "WARNING: could not remove cgroup dir $cg"
    done

    # 5. mount points we created, then the state dir
    if [ -f "$ENS_STATE/created-mountpoints" ]; then
        local mp
        while read -r mp; do
            rmdir "$mp" 2>/dev/null || ens_log "WARNING: $mp not removed (not empty?)"
        done < "$ENS_STATE/created-mountpoints"
    fi
    if [ -z "${ENS_KEEP_STATE:-}" ]; then
        rm -rf --one-file-system "$ENS_STATE"
        [ -e "$ENS_STATE" ] && ens_log "WARNING: $ENS_STATE not fully removed"
    fi
    ens_log "cleanup done ($ENS_ID)"
    ENS_STATE=
    [ $had_e = 1 ] && set -e
    return 0
}
