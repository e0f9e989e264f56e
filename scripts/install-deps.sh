#!/usr/bin/env bash
# Installs what building and testing cnifix needs on Debian 12 (run as root). Idempotent: installs only what is missing.
# Usage: scripts/install-deps.sh [build|test]   (build: JDK and Maven; test: also iptables, iproute2, nftables, tmux)
set -euo pipefail
want=(openjdk-17-jdk-headless maven)
if [ "${1:-test}" = test ]; then
  want+=(iptables iproute2 nftables ipset ufw tmux)  # tmux: TerminalTest runs cnifix in a real 80-column terminal
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
