#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit, fuzz-corpus replay, kernel-backed tests in network
# namespaces (as root), and the end-to-end scripts. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
mvn -B -ntp verify
scripts/e2e-engines.sh
scripts/e2e-nft.sh        # the eight nftables/firewalld host shapes, live with real firewalld, Podman and Docker
scripts/e2e-firewalld.sh   # the firewalld back end: direct rules (runtime and permanent) across reloads, failure, prune
scripts/e2e-watch.sh      # cnifix watch with real Podman: start, stop, remove, restart, stream break, flush
scripts/e2e-ipv6.sh       # IPv6 end to end: Podman (netavark, CNI) and Docker on dual-stack networks, ip6tables FORWARD DROP
scripts/test-hooks.sh
scripts/test-rpm.sh
scripts/test-ansible.sh
