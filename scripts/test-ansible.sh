#!/usr/bin/env bash
# Tests the Ansible role (scripts/ansible/roles/cnifix) against three "hosts" that are network namespaces on this
# machine, each loaded with the iptables rules of a real host snapshot (fixtures/*/iptables-save.txt) and so with
# its own gaps: Podman with CNI, Podman with netavark, Docker beside Podman. Ansible reaches them with a local
# connection; the role runs cnifix inside each with `ip netns exec NS` (its cnifix_command), installed there by the
# role's jar method into a per-host directory, and reading the host's containers from the snapshot (--ports ...).
#
#   1. report run: every host's gaps are reported, nothing changes;
#   2. check mode with cnifix_apply=true: every host reports "changed" (would change), nothing changes;
#   3. cnifix_apply=true: every host changed, and afterwards cnifix has nothing left to propose on any of them;
#      host 1 also persists its rules (--persist) into a copy of RHEL's /etc/sysconfig/iptables, which a full
#      iptables-restore in a fresh namespace loads as at boot;
#   4. the same again: no host changed; check mode: no host would change.
# Results are read from ansible-playbook's JSON output (stats per host), not from its screen output.
# As root on Debian 12 (installs ansible-core); every namespace is removed again and the machine's own namespace
# is compared before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
[ "$(id -u)" = 0 ] || { echo "test-ansible: run as root" >&2; exit 1; }

fails=0
check() {
    local what=$1; shift
    if "$@"; then echo "ok   - $what"; else echo "FAIL - $what" >&2; fails=$((fails + 1)); fi
}

missing=()
for p in ansible-core jq iptables iproute2; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-ansible: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
jar=${CNIFIX_TEST_JAR:-target/cnifix.jar}
[ -f "$jar" ] || mvn -q -B -ntp package -DskipTests

snapshot() {   # the machine's own network namespace
    iptables-save | grep -v '^#' || true
    ip6tables-save | grep -v '^#' || true
    ip -o link | sed 's/^[0-9]*: //; s/ qlen [0-9]*//'
    ip -o addr | sed 's/^[0-9]*: //'
    ip route
}

work=$(mktemp -d /tmp/test-ansible.XXXXXX)
tag=${CNIFIX_NS_TAG:-cfxa}$$
hosts=(h1 h2 h3 h4)
declare -A fixture=([h1]=podman4-cni [h2]=podman-netavark [h3]=docker-and-podman [h4]=admin-nft-netavark)
cleanup() {
    local rc=$? h
    for h in "${hosts[@]}" boot nboot; do
        ip netns delete "$tag-$h" 2>/dev/null || true
    done
    if [ -f "$work/root-before" ]; then
        snapshot > "$work/root-after"
        if ! diff -u "$work/root-before" "$work/root-after" >&2; then
            echo "test-ansible: the machine's own network namespace changed" >&2
            rc=1
        fi
    fi
    if [ -n "${CNIFIX_TEST_KEEP:-}" ]; then echo "test-ansible: kept $work" >&2; else rm -rf "$work"; fi
    [ $fails -gt 0 ] && rc=1
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
snapshot > "$work/root-before"
cp "$jar" "$work/cnifix.jar"

# the hosts: one namespace each, with its snapshot's rules
for h in "${hosts[@]}"; do
    ip netns add "$tag-$h"
    ip netns exec "$tag-$h" iptables-restore < "fixtures/${fixture[$h]}/iptables-save.txt"
    mkdir -p "$work/$h"
done
# host 4: netavark's nftables table and the admin's own inet filter (forward policy drop), as the fixture shows them;
# its boot configuration is the admin's table, which the role extends by one include line
ip netns exec "$tag-h4" nft -f fixtures/admin-nft-netavark/ruleset.nft
ip netns exec "$tag-h4" nft -f fixtures/admin-nft-netavark/admin.nft
cp fixtures/admin-nft-netavark/admin.nft "$work/h4/nftables.conf"
cp "$work/h4/nftables.conf" "$work/h4/nftables.conf.orig"
# host 1 persists into a copy of the file iptables-services installs on RHEL
cat > "$work/h1/sysconfig-iptables" <<'EOF'
# sample configuration for iptables service
# you can edit this manually or use system-config-firewall
# please do not ask us to add additional ports/services to this default configuration
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
EOF
chmod 600 "$work/h1/sysconfig-iptables"
cp "$work/h1/sysconfig-iptables" "$work/h1/sysconfig-iptables.orig"

# the inventory: hosts -> namespaces (cnifix_command), snapshots (cnifix_state_args), private state dirs
{
    echo "all:"
    echo "  vars:"
    echo "    ansible_connection: local"
    echo "    ansible_python_interpreter: /usr/bin/python3"
    echo "    cnifix_become: false"
    echo "    cnifix_gather_facts: false"
    echo "    cnifix_install_method: jar"
    echo "    cnifix_install_java: false"
    echo "    cnifix_jar_src: $work/cnifix.jar"
    echo "    cnifix_launcher_src: $repo/scripts/cnifix"
    echo "    cnifix_hook_src: $repo/scripts/hooks"
    echo "  children:"
    echo "    cnifix:"
    echo "      hosts:"
    for h in "${hosts[@]}"; do
        f=$repo/fixtures/${fixture[$h]}
        echo "        $h:"
        echo "          cnifix_prefix: $work/$h/root"
        # the launcher finds /usr/share/cnifix/cnifix.jar; under a prefix it is told where the jar is
        echo "          cnifix_command: [ip, netns, exec, $tag-$h, env, CNIFIX_JAR=$work/$h/root/usr/share/cnifix/cnifix.jar, $work/$h/root/usr/bin/cnifix]"
        echo "          cnifix_state_args: [--ports, $f/ports, --networks, $f/networks, --addresses, $f/ip-address.json, --routes, $f/ip-route.json]"
        if [ "$h" = h4 ]; then
            echo "          cnifix_persist: true"
            echo "          cnifix_persist_nft_file: $work/h4/nftables.d/cnifix.nft"
            echo "          cnifix_nft_include_in: $work/h4/nftables.conf"
            echo "          cnifix_apply_args: [--backup-dir, $work/$h/backups, --lock-file, $work/$h/lock]"
        elif [ "$h" = h1 ]; then
            echo "          cnifix_persist: true"
            echo "          cnifix_apply_args: [--backup-dir, $work/$h/backups, --lock-file, $work/$h/lock, --persist-file, $work/h1/sysconfig-iptables, --persist-file6, $work/h1/none]"
        else
            echo "          cnifix_apply_args: [--backup-dir, $work/$h/backups, --lock-file, $work/$h/lock]"
        fi
    done
} > "$work/inventory.yml"

# ansible-core has no JSON output of its own (that is in the ansible.posix collection): a small stdout callback
# prints the per-host stats and every task result as one JSON document.
mkdir -p "$work/callback_plugins"
cat > "$work/callback_plugins/cnifix_json.py" <<'EOF'
import json
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'cnifix_json'

    def __init__(self):
        super().__init__()
        self.tasks = []

    def _record(self, result, status):
        self.tasks.append({'task': result._task.get_name(), 'host': result._host.get_name(),
                           'status': status, 'result': result._result})

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._display.display(json.dumps({'stats': {h: stats.summarize(h) for h in hosts}, 'tasks': self.tasks},
                                         default=str))
EOF
export ANSIBLE_LOCAL_TEMP=$work/ansible-local ANSIBLE_REMOTE_TEMP=$work/ansible-remote ANSIBLE_NOCOLOR=1
export ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0
export ANSIBLE_CALLBACK_PLUGINS=$work/callback_plugins ANSIBLE_STDOUT_CALLBACK=cnifix_json
play() {   # play NAME ARGS...: runs the playbook, JSON result in $work/NAME.json; prints the exit code
    local name=$1 rc=0; shift
    ansible-playbook -i "$work/inventory.yml" scripts/ansible/site.yml "$@" > "$work/$name.json" 2> "$work/$name.err" || rc=$?
    echo $rc
}
stat() { jq -r --arg h "$1" --arg k "$2" '.stats[$h][$k] // 0' "$work/$3.json"; }
rules_of() {   # iptables' filter table and the admin's own nft table, where there is one
    ip netns exec "$tag-$1" iptables-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
    ip netns exec "$tag-$1" nft -s list table inet filter 2>/dev/null || true
}
all_changed() { local h; for h in "${hosts[@]}"; do [ "$(stat "$h" changed "$1")" -ge 1 ] || return 1; done; }
none_changed() { local h; for h in "${hosts[@]}"; do [ "$(stat "$h" changed "$1")" = 0 ] || return 1; done; }
no_failures() { local h; for h in "${hosts[@]}"; do [ "$(stat "$h" failures "$1")" = 0 ] && [ "$(stat "$h" unreachable "$1")" = 0 ] || return 1; done; }
msgs() { jq -r --arg t "$2" '.tasks[] | select(.task | endswith($t)) | .result.msg // empty' "$work/$1.json"; }

for h in "${hosts[@]}"; do rules_of "$h" > "$work/$h/rules-before"; done
unchanged() { local h; for h in "${hosts[@]}"; do rules_of "$h" | diff -q - "$work/$h/rules-before" >/dev/null || return 1; done; }

# 1. report only (the install tasks run: the first run installs cnifix under each host's prefix)
rc=$(play report)
check "report run succeeds" test "$rc" = 0
check "report run: no failures" no_failures report
check "cnifix installed on every host (jar method)" \
    sh -c "for h in ${hosts[*]}; do test -x '$work'/\$h/root/usr/bin/cnifix && test -f '$work'/\$h/root/usr/share/cnifix/cnifix.jar || exit 1; done"
msgs report "Report the host's ports" | sed 's/^/     /'
check "every host reports a gap" test "$(msgs report "Report the host's ports" | grep -c 'gap(s): \|gaps on')" -ge 3
check "report run changed no rule" unchanged

# 2. check mode: would change, changes nothing
rc=$(play check1 --check -e cnifix_apply=true)
check "check mode succeeds" test "$rc" = 0
check "check mode: every host would change" all_changed check1
check "check mode changed no rule" unchanged

# 3. apply
rc=$(play apply1 -e cnifix_apply=true)
check "apply run succeeds" test "$rc" = 0
check "apply run: no failures" no_failures apply1
check "apply run: every host changed" all_changed apply1
msgs apply1 "Report what changed" | sed 's/^/     /'
for h in "${hosts[@]}"; do
    f=$repo/fixtures/${fixture[$h]}
    code=0
    ip netns exec "$tag-$h" env CNIFIX_JAR="$work/$h/root/usr/share/cnifix/cnifix.jar" "$work/$h/root/usr/bin/cnifix" suggest --quiet --ports "$f/ports" --networks "$f/networks" \
        --addresses "$f/ip-address.json" --routes "$f/ip-route.json" >/dev/null 2>&1 || code=$?
    check "$h (${fixture[$h]}): cnifix has nothing left to propose (suggest exits 0)" test "$code" = 0
done
check "h1: the boot file holds cnifix's block" grep -q '^# cnifix: BEGIN' "$work/h1/sysconfig-iptables"
check "h1: the admin's lines are untouched" \
    sh -c "grep -v -e '^# cnifix: ' -e 'cnifix: ' -e '^:CNI-FORWARD ' '$work/h1/sysconfig-iptables' | diff -q - '$work/h1/sysconfig-iptables.orig' >/dev/null"
ip netns add "$tag-boot"
check "h1: the boot file loads with a full iptables-restore (as at boot)" \
    sh -c "ip netns exec '$tag-boot' iptables-restore < '$work/h1/sysconfig-iptables'"
check "h1: ... and puts cnifix's rules in place" \
    sh -c "ip netns exec '$tag-boot' iptables-save -t filter | grep -q -- '--comment \"cnifix: web tcp/8080\"'"

check "h4: cnifix's rules are nft rules in the admin's inet filter forward" \
    sh -c "ip netns exec '$tag-h4' nft list chain inet filter forward | grep -q 'comment \"cnifix: web tcp/8080\"'"
check "h4: cnifix's nft file holds its block" grep -qx '# BEGIN cnifix' "$work/h4/nftables.d/cnifix.nft"
check "h4: the admin's nftables config gained exactly the include line" \
    sh -c "diff '$work/h4/nftables.conf.orig' '$work/h4/nftables.conf' | grep '^[<>]' | tr -d '\n' | grep -qx '> include \"$work/h4/nftables.d/cnifix.nft\"'"
ip netns add "$tag-nboot"
check "h4: the admin's config loads as at boot (nft -f) and brings cnifix's rules with it" \
    sh -c "ip netns exec '$tag-nboot' nft -f '$work/h4/nftables.conf' && ip netns exec '$tag-nboot' nft list chain inet filter forward | grep -q 'cnifix: web tcp/8080'"
ip netns del "$tag-nboot"

# 4. idempotent
rc=$(play apply2 -e cnifix_apply=true)
check "second apply run succeeds" test "$rc" = 0
check "second apply run: no host changed" none_changed apply2
rc=$(play check2 --check -e cnifix_apply=true)
check "check mode after the fix: no host would change" none_changed check2

if [ $fails -gt 0 ]; then
    for n in report check1 apply1 apply2 check2; do
        [ -s "$work/$n.err" ] && { echo "--- $n stderr"; cat "$work/$n.err"; } >&2
    done
    echo "test-ansible: $fails check(s) failed" >&2
    exit 1
fi
echo "test-ansible: ok"
