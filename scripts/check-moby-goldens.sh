#!/usr/bin/env bash
# Parses moby's iptables-save goldens (TestIptabler_*.golden) with cnifix: each must load, and each rule must
# render back exactly as written. Not part of the test suite: the goldens live outside this repository.
# Usage: scripts/check-moby-goldens.sh [DIR]   (default: ../shared/reference/moby)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/reference/moby}
[ -f target/cnifix.jar ] || mvn -q -B package -DskipTests
mvn -q -B test-compile
pass=0; fail=0; skipped=0; files=()
while IFS= read -r -d '' f; do
  case "$f" in
    *__iptables.golden|*__ip6tables.golden) ;;
    *) skipped=$((skipped + 1)); continue ;;   # nftables goldens (Docker 29): nft syntax, not iptables-save
  esac
  if java -jar target/cnifix.jar show --offline --rules "$f" --format json >/dev/null 2>"${TMPDIR:-/tmp}/golden.err"; then
    pass=$((pass + 1)); files+=("$f")
  else
    fail=$((fail + 1)); echo "FAIL $f: $(cat "${TMPDIR:-/tmp}/golden.err")"
  fi
done < <(find "$dir" -name '*.golden' -print0 | sort -z)
echo "goldens: $pass passed, $fail failed, $skipped skipped (not iptables-save)"
java -cp target/test-classes:target/cnifix.jar io.cnifix.ingest.RoundTripCheck "${files[@]}"
[ "$fail" -eq 0 ]
