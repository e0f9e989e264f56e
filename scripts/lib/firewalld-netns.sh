# shellcheck shell=bash
#
# firewalld-netns.sh - run the REAL firewalld (Debian 12: 1.3.3, FirewallBackend=nftables) with its own
# private D-Bus system bus inside the engine namespace of scripts/lib/engines-netns.sh, so that Podman
# (CNI firewall plugin, netavark), dockerd and firewall-cmd started under the same holder talk to it.
#
# Source it after engines-netns.sh:
#
#     . scripts/lib/engines-netns.sh
#     . scripts/lib/firewalld-netns.sh
#     ens_init nflX; ens_root_snapshot; ens_topology_up ACCEPT; ens_holder_start
#     fwn_start                         # private dbus-daemon + firewalld under the holder
#     fwn_cmd --get-active-zones        # firewall-cmd inside the engine ns, on the private bus
#     ...engines, containers, probes...
#     fwn_capture DIR/firewalld         # firewall-cmd state files for a snapshot
#     fwn_stop; ens_cleanup; ens_root_compare
#
# How it is confined (all of it inside the holder's mount namespace, which is not propagated back to the
# machine because `ip netns exec` makes / rslave):
#   - /run is already a private tmpfs (engines-netns.sh); a further tmpfs is mounted on /run/dbus, and
#     /run/firewalld is a fresh directory on it.
#   - /etc/firewalld and /var/lib/firewalld are bind mounts of private copies under $ENS_STATE/fw/
#     (the copy of /etc/firewalld is taken at start, so the machine's zones and firewalld.conf are the
#     starting point and nothing is written back). A missing /var/lib/firewalld mount point is created in
#     the root mount namespace and removed again by ens_cleanup (it is listed in created-mountpoints).
#   - dbus-daemon runs with --config-file of our own: type system, the usual socket path (inside the
#     private /run/dbus), root may own and call anything, and NO <servicedir>/<standard_system_servicedirs>,
#     so nothing is ever activated: no polkitd starts and firewalld authorises uid 0 itself.
#     (`dbus-daemon --system` would read /usr/share/dbus-1/system.conf, whose service activation is what
#     we must avoid; --config-file is the same daemon with a different configuration.)
#   - firewalld --nofork --nopid --log-target file --log-file $ENS_STATE/fw/firewalld.log.
# The machine's own /run/dbus, nft ruleset and namespace are never touched: ens_root_snapshot/compare
# (engines-netns.sh) cover the nft ruleset, the listing of /run/dbus and a checksum of /etc/firewalld.
#
# Functions (prefix fwn_):
#   fwn_start                    start dbus-daemon + firewalld; waits for `firewall-cmd --state` = running
#   fwn_cmd ARGS...              firewall-cmd ARGS inside the engine ns
#   fwn_reload                   firewall-cmd --reload, then waits until firewalld runs again
#   fwn_capture DIR              firewalld state files (see below) into DIR
#   fwn_stop                     stop firewalld, then dbus-daemon (idempotent)
# Variables: FWN_FIREWALLD_PID, FWN_DBUS_PID (the nsenter pids, which exec the daemons).
#
# Timings on a 2-core VM: dbus up in ~0.1 s, firewalld running in 2-5 s (python start + nft ruleset).

FWN_FIREWALLD_PID=
FWN_DBUS_PID=

fwn_log() { ens_log "fw: $*"; }

_fwn_dbus_config() {
    cat <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Private system bus for a test namespace: no service activation at all (no servicedir). -->
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
}

# fwn_start: private D-Bus + firewalld under the engine namespace's holder.
fwn_start() {
    [ -n "${ENS_HOLDER_PID:-}" ] || { ens_die "fwn_start: start the holder first"; return 1; }
    local d=$ENS_STATE/fw i
    mkdir -p "$d/etc" "$d/varlib" || return 1
    cp -a /etc/firewalld/. "$d/etc/" || return 1
    # the backend the project measures; Debian's default is nftables already, but say it explicitly
    sed -i 's/^FirewallBackend=.*/FirewallBackend=nftables/' "$d/etc/firewalld.conf"
    _fwn_dbus_config > "$d/dbus.conf"
    if [ ! -d /var/lib/firewalld ]; then
        mkdir -p /var/lib/firewalld && echo /var/lib/firewalld >> "$ENS_STATE/created-mountpoints"
    fi
    ens_in sh -ec "
        mount -n -t tmpfs -o mode=755,nosuid,nodev fwn-dbus /run/dbus 2>/dev/null \
            || { mkdir -p /run/dbus; mount -n -t tmpfs -o mode=755,nosuid,nodev fwn-dbus /run/dbus; }
        mkdir -p /run/firewalld
        mount -n --bind '$d/etc' /etc/firewalld
        mount -n --bind '$d/varlib' /var/lib/firewalld
    " || { ens_die "fwn_start: private mounts failed"; return 1; }

    nsenter -t "$ENS_HOLDER_PID" -m -n -- dbus-daemon --config-file="$d/dbus.conf" --nofork --nopidfile \
        > "$d/dbus.log" 2>&1 &
    FWN_DBUS_PID=$!
    echo "$FWN_DBUS_PID" > "$d/dbus.pid"
    for i in $(seq 1 100); do
        ens_in test -S /run/dbus/system_bus_socket && break
        kill -0 "$FWN_DBUS_PID" 2>/dev/null || { cat "$d/dbus.log" >&2; ens_die "dbus-daemon died"; return 1; }
        sleep 0.05
    done
    ens_in test -S /run/dbus/system_bus_socket || { ens_die "no private bus socket"; return 1; }

    nsenter -t "$ENS_HOLDER_PID" -m -n -- firewalld --nofork --nopid --log-target file \
        --log-file "$d/firewalld.log" > "$d/firewalld.out" 2>&1 &
    FWN_FIREWALLD_PID=$!
    echo "$FWN_FIREWALLD_PID" > "$d/firewalld.pid"
    _fwn_wait_running || return 1
    fwn_log "firewalld pid $FWN_FIREWALLD_PID running (bus pid $FWN_DBUS_PID, backend $(_fwn_backend))"
}

_fwn_backend() { awk -F= '$1 == "FirewallBackend" { print $2 }' "$ENS_STATE/fw/etc/firewalld.conf"; }

_fwn_wait_running() {
    local i s
    for i in $(seq 1 300); do
        s=$(ens_in firewall-cmd --state 2>/dev/null) || s=
        [ "$s" = running ] && return 0
        kill -0 "$FWN_FIREWALLD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$ENS_STATE/fw/firewalld.log" "$ENS_STATE/fw/firewalld.out" >&2 2>/dev/null
    ens_die "firewalld did not reach state running (last: ${s:-none})"
}

fwn_cmd() { ens_in firewall-cmd "$@"; }

# fwn_reload: firewall-cmd --reload and wait for firewalld to run again.
fwn_reload() {
    fwn_cmd --reload >/dev/null || return 1
    _fwn_wait_running
}

# fwn_capture DIR: firewalld's state as firewall-cmd shows it (runtime), plus the permanent direct rules.
fwn_capture() {
    local d=$1
    mkdir -p "$d" || return 1
    fwn_cmd --state                           > "$d/state.txt" 2>&1 || true
    fwn_cmd --version                         > "$d/version.txt" 2>&1 || true
    fwn_cmd --get-default-zone                > "$d/default-zone.txt" 2>&1 || true
    fwn_cmd --get-active-zones                > "$d/active-zones.txt" 2>&1 || true
    fwn_cmd --list-all-zones                  > "$d/list-all-zones.txt" 2>&1 || true
    fwn_cmd --list-all-policies               > "$d/list-all-policies.txt" 2>&1 || true
    fwn_cmd --direct --get-all-rules          > "$d/direct-rules.txt" 2>&1 || true
    fwn_cmd --permanent --direct --get-all-rules > "$d/direct-rules-permanent.txt" 2>&1 || true
    grep -v '^#' "$ENS_STATE/fw/etc/firewalld.conf" | grep . > "$d/firewalld.conf" || true
}

# fwn_stop: stop firewalld (SIGTERM; CleanupOnExit removes its table inside the namespace), then the bus.
fwn_stop() {
    local p
    [ -n "${ENS_STATE:-}" ] || return 0
    [ -z "${FWN_FIREWALLD_PID:-}" ] && [ -f "$ENS_STATE/fw/firewalld.pid" ] && FWN_FIREWALLD_PID=$(cat "$ENS_STATE/fw/firewalld.pid")
    [ -z "${FWN_DBUS_PID:-}" ] && [ -f "$ENS_STATE/fw/dbus.pid" ] && FWN_DBUS_PID=$(cat "$ENS_STATE/fw/dbus.pid")
    for p in "${FWN_FIREWALLD_PID:-}" "${FWN_DBUS_PID:-}"; do
        [ -n "$p" ] || continue
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null
            local i
            for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
        fi
        wait "$p" 2>/dev/null || true
    done
    FWN_FIREWALLD_PID= FWN_DBUS_PID=
    rm -f "$ENS_STATE/fw/firewalld.pid" "$ENS_STATE/fw/dbus.pid"
    return 0
}
