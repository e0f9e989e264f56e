# shellcheck shell=bash
# What every e2e script shares: the jar, PASS/FAIL counting per scenario ($SCN), a few checks, the extra Debian
# packages they need beyond scripts/lib/engines-netns.sh's, and building the jar when the sources are newer.
# Needs $repo (the checkout). Sets JAR, PASSED, FAILED, SCN (setup), T0 (start, seconds).

JAR=$repo/target/cnifix.jar
PASSED=0 FAILED=0 SCN=setup
T0=$(date +%s)

say()  { printf '%s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); say "PASS [$SCN] $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL [$SCN] $*"; }
step() { say "---- [$SCN] $*"; }
# check DESC CMD...: PASS when CMD succeeds
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then pass "$d"; else fail "$d"; fi; }
# jcheck DESC FILE JQ-EXPR: PASS when the expression is true on the JSON file
jcheck() {
    local d=$1 f=$2 e=$3
    if jq -e "$e" "$f" >/dev/null 2>&1; then pass "$d"; else fail "$d   (jq: $e)"; fi
}
# eq DESC EXPECTED ACTUAL
eq() { if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi; }

# root_unchanged PASS-TEXT FAIL-TEXT: after the run, the machine's own namespace (and whatever
# ens_root_snapshot took with it) against the snapshot from before; the snapshot file goes
root_unchanged() {
    [ -n "${ENS_ROOT_SNAPSHOT:-}" ] || return 0
    if ens_root_compare; then pass "$1"; else fail "$2"; fi
    rm -f "$ENS_ROOT_SNAPSHOT"
}

install_extra() {
    local missing=() p
    for p in jq openjdk-17-jre-headless; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing: ${missing[*]}"
    if [ "$ENS_APT_UPDATED" != 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; ENS_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_jar: the jar, rebuilt when a source or the pom is newer (offline first: the test run filled the repository)
build_jar() {
    if [ -f "$JAR" ] && [ -z "$(find "$repo/src/main" "$repo/pom.xml" -newer "$JAR" -type f -print -quit)" ]; then
        return 0
    fi
    say "building $JAR"
    (cd "$repo" && mvn -B -ntp -o -q package -DskipTests) || (cd "$repo" && mvn -B -ntp -q package -DskipTests)
}
