#!/usr/bin/env bash
# Runs the kernel-lab tests and checks that they left the machine's own network namespace exactly as it was
# and no lab namespace behind. Needs root; run from the repository root.
set -euo pipefail

snapshot() {
    iptables-save | grep -v '^#' || true
    ip6tables-save | grep -v '^#' || true
    nft list ruleset
    ip -o link | sed 's/^[0-9]*: //'
    ip -o addr | sed 's/^[0-9]*: //'
    ip route; ip -6 route
    for f in ipv4/ip_forward ipv6/conf/all/forwarding ipv4/conf/all/rp_filter ipv4/conf/all/route_localnet; do
        echo "$f=$(cat /proc/sys/net/$f)"
    done
}

before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
snapshot >"$before"
mvn -q -B test -Dtest='KernelLabTest,RecorderTest' "$@"
snapshot >"$after"

if ! diff -u "$before" "$after"; then
    echo "lab-selftest: the root network namespace changed" >&2
    exit 1
fi
if ip netns list | grep -q "^cfxlab-"; then
    echo "lab-selftest: lab namespaces left behind:" >&2
    ip netns list | grep '^cfxlab-' >&2
    exit 1
fi
echo "lab-selftest: ok"
