#!/usr/bin/env bash
# Measures what the issues set targets for, on this machine; results go in docs/benchmarks.md by hand.
#   parse 100,000 rules (< 1 s, < 300 MB heap); one trace through 100,000 rules (< 20 ms);
#   diff of the seed snapshot (< 0.5 s wall with JVM start); diff of 2,000 containers / 10,000 ports /
#   100,000 rules (< 5 s, 1 GB heap) and of twice that (at most 2.3 times the time);
#   an admin chain of 1 to 20,000 `-s X/32 -j DROP` rules judged (linear or better; ratio to the 1-rule case);
#   1,000 rules applied in one iptables-restore against 1,000 iptables -I calls (needs root; in a namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cnifix.jar ] || mvn -q -B package -DskipTests
mvn -q -B test-compile
CP="target/test-classes:target/cnifix.jar"
out=$(mktemp -d)
trap 'rm -rf "$out"; ip netns del cfxbench 2>/dev/null || true' EXIT
java -cp "$CP" io.cnifix.bench.SyntheticHost "$out/x1" 2000 5 100000 >/dev/null
java -cp "$CP" io.cnifix.bench.SyntheticHost "$out/x2" 4000 5 200000 >/dev/null
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
java -Xmx300m -cp "$CP" io.cnifix.bench.ParseBench "$out/x1/iptables-save.txt"
java -Xmx1g -cp "$CP" io.cnifix.bench.TraceBench "$out/x1"
java -Xmx1g -cp "$CP" io.cnifix.bench.AdminChainBench fixtures/centos7-podman-cni
wall() { # best and median of N runs of a command, in seconds
  local n=$1; shift; local times=()
  for _ in $(seq "$n"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "best %.2f s, median %.2f s (%d runs)\n", a[1], a[int((NR+1)/2)], NR}'
}
echo "diff seed snapshot, JVM start included: $(wall 5 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar target/cnifix.jar diff --snapshot fixtures/centos7-podman-cni)"
echo "diff 2,000 containers, 10,000 ports, 100,000 rules (-Xmx1g): $(wall 3 java -Xmx1g -jar target/cnifix.jar diff --snapshot "$out/x1")"
echo "diff 4,000 containers, 20,000 ports, 200,000 rules (-Xmx2g): $(wall 3 java -Xmx2g -jar target/cnifix.jar diff --snapshot "$out/x2")"
if [ "$(id -u)" = 0 ] && command -v iptables-restore >/dev/null; then
  ip netns add cfxbench
  ip netns exec cfxbench iptables -N CNI-FORWARD
  { echo "*filter"; for i in $(seq 1000); do echo "-I CNI-FORWARD 1 -d 10.88.$((i / 250)).$((i % 250 + 2))/32 ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m comment --comment \"cnifix: c$i tcp/$((10000 + i))\" -j ACCEPT"; done; echo COMMIT; } > "$out/restore"
  s=$(date +%s.%N); ip netns exec cfxbench iptables-restore --noflush --wait 5 < "$out/restore"; e=$(date +%s.%N)
  one=$(echo "$e - $s" | bc)
  ip netns exec cfxbench iptables -F CNI-FORWARD
  s=$(date +%s.%N)
  for i in $(seq 1000); do ip netns exec cfxbench iptables -w -I CNI-FORWARD 1 -d "10.88.$((i / 250)).$((i % 250 + 2))/32" ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m comment --comment "cnifix: c$i tcp/$((10000 + i))" -j ACCEPT; done
  e=$(date +%s.%N)
  many=$(echo "$e - $s" | bc)
  printf 'apply 1,000 rules: one iptables-restore %.3f s, 1,000 iptables -I calls %.2f s, ratio %.0fx\n' "$one" "$many" "$(echo "$many / $one" | bc -l)"
fi
