#!/usr/bin/env bash
# Measures the speed targets of the issues as RATIOS against a floor measured in the same run, because absolute
# times drift with the load of a shared machine. Every comparison is interleaved (round r runs A then B, round r+1
# B then A) and reported as the ratio of medians, with each side's median wall time and maximum RSS
# (/usr/bin/time -v). The machine's load is printed before and after. Results go in docs/benchmarks.md by hand.
#
#   start-up     cnifix --version and cnifix diff of the seed snapshot vs a Java hello-world with the launcher's
#                flags (with and without the AppCDS archive, made here by scripts/cnifix-cds)
#   parse        100,000 rules: cnifix diff --offline --rules FILE (parse and build, no ports) vs
#                iptables-restore --test FILE (in a throw-away network namespace): wall and memory
#   size         the 2,000-container host (10,000 ports, 100,000 rules) vs the seed diff; twice that vs once
#   nft          (issue 10) the same 2,000-container host with its 10,000 ports forwarded by netavark's nftables
#                driver (inet netavark, 40,000 nft rules) vs the iptables host
#   parse, size and nft run cnifix as users do: the launcher (scripts/cnifix) with its flags and AppCDS archive.
#   Every pair also prints the ratio of median CPU time (user+sys), steadier than wall on a shared machine.
#   apply        1,000 rules in one iptables-restore vs 1,000 iptables -I calls (in a network namespace)
#   podman       (root, with podman) in namespaces (scripts/lib/engines-netns.sh): a hooked
#                `podman run -d -p` vs a hook-less one, and with `cnifix watch` running, how long after
#                `podman run` returns the port first answers from the client namespace
#
# Usage: scripts/bench.sh [ROUNDS]   (default 7; the big diffs run ROUNDS/2+1 rounds)
#        BENCH_SECTIONS="startup admin parse size apply podman" (the default: all) picks sections
#   admin chain  (AdminChainBench) an admin chain of 1 to 20,000 `-s X/32 -j DROP` rules judged: linear or
#                better, as a ratio to the 1-rule case
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
ROUNDS=${1:-7}
BIG_ROUNDS=$(( ROUNDS / 2 + 1 ))   # the 2,000- and 4,000-container pairs; the parse and nft pairs, whose ratios sit
# near their 1.0x targets on a machine whose speed drifts, take the full ROUNDS for a steadier median
SEED=fixtures/centos7-podman-cni
mapfile -t FLAGS < <(CNIFIX_PRINT_JAVA_FLAGS=1 scripts/cnifix)   # the launcher's own, for the hello-world floor
mapfile -t WATCH_FLAGS < <(CNIFIX_PRINT_JAVA_FLAGS=1 scripts/cnifix watch)

command -v /usr/bin/time >/dev/null 2>&1 || [ -x /usr/bin/time ] || {
    [ "$(id -u)" = 0 ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 3; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
[ -f target/cnifix.jar ] || mvn -q -B -ntp package -DskipTests
[ -d target/test-classes/io/cnifix/bench ] || mvn -q -B -ntp test-compile
CP="target/test-classes:target/cnifix.jar"
out=$(mktemp -d /tmp/cnifix-bench.XXXXXX)
NS=wat-bench-$$
cleanup() {
    ip netns del "$NS" 2>/dev/null || true
    [ -n "${ENS_STATE:-}" ] && ens_cleanup
    rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

want() { case " ${BENCH_SECTIONS:-startup admin parse size nft apply podman} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), load before: $(load)"

# ---------------------------------------------------------------------------------------------------------------
# interleaved measurement

# sample NAME CMD...: one run of CMD; appends "wall_s maxrss_kb cpu_s" (cpu: user+sys) to $out/NAME.samples
sample() {
    local name=$1; shift
    /usr/bin/time -f '%e %M %U %S' -o "$out/$name.one" "$@" >/dev/null 2>&1 || true
    tail -1 "$out/$name.one" | awk '{print $1, $2, $3 + $4}' >> "$out/$name.samples"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
wall_of() { awk '{print $1}' "$out/$1.samples" | median; }
rss_of() { awk '{print $2}' "$out/$1.samples" | median; }
cpu_of() { awk '{print $3}' "$out/$1.samples" | median; }

# pair LABEL ROUNDS A-NAME "A-CMD" B-NAME "B-CMD": interleaved; prints the ratio A/B of median walls and RSS
pair() {
    local label=$1 rounds=$2 an=$3 ac=$4 bn=$5 bc=$6 r
    rm -f "$out/$an.samples" "$out/$bn.samples"
    for r in $(seq "$rounds"); do
        if [ $((r % 2)) = 1 ]; then eval "sample $an $ac"; eval "sample $bn $bc"
        else eval "sample $bn $bc"; eval "sample $an $ac"; fi
    done
    local aw bw ar br ac bc
    aw=$(wall_of "$an") bw=$(wall_of "$bn") ar=$(rss_of "$an") br=$(rss_of "$bn") ac=$(cpu_of "$an") bc=$(cpu_of "$bn")
    printf '%-58s %5.2fx wall (%.2f s vs %.2f s), %4.2fx CPU (%.2f s vs %.2f s), %4.2fx max RSS (%d vs %d MiB), %d rounds\n' "$label" \
        "$(awk -v a="$aw" -v b="$bw" 'BEGIN{print (b > 0) ? a/b : 0}')" "$aw" "$bw" \
        "$(awk -v a="$ac" -v b="$bc" 'BEGIN{print (b > 0) ? a/b : 0}')" "$ac" "$bc" \
        "$(awk -v a="$ar" -v b="$br" 'BEGIN{print (b > 0) ? a/b : 0}')" "$((${ar%.*} / 1024))" "$((${br%.*} / 1024))" "$rounds"
}

# ---------------------------------------------------------------------------------------------------------------
# start-up

scripts/cnifix-cds "$out/cnifix.jsa" target/cnifix.jar >/dev/null
WITH="env CNIFIX_CDS_ARCHIVE=$out/cnifix.jsa scripts/cnifix"
WITHOUT="env CNIFIX_CDS_ARCHIVE=$out/none.jsa scripts/cnifix"
if want startup; then
mkdir -p "$out/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$out/hello/Hello.java"
javac -d "$out/hello" "$out/hello/Hello.java"
HELLO="java ${FLAGS[*]} -cp $out/hello Hello"
echo "-- start-up (target: --version at most 2.5x, diff of the seed snapshot at most 3x the hello-world)"
pair "cnifix --version / hello-world (AppCDS archive)" "$ROUNDS" version "$WITH --version" hello "$HELLO"
pair "cnifix --version / hello-world (no archive)" "$ROUNDS" version0 "$WITHOUT --version" hello "$HELLO"
pair "cnifix diff seed / hello-world (AppCDS archive)" "$ROUNDS" seed "$WITH diff --snapshot $SEED" hello "$HELLO"
pair "cnifix diff seed / hello-world (no archive)" "$ROUNDS" seed0 "$WITHOUT diff --snapshot $SEED" hello "$HELLO"
fi

# ---------------------------------------------------------------------------------------------------------------
# parse, size, doubling

if want admin; then
echo "-- admin chain (target: judging N '-s X/32 -j DROP' rules linear or better; ratios to the 1-rule case)"
java -Xmx1g -cp "$CP" io.cnifix.bench.AdminChainBench fixtures/centos7-podman-cni
fi

if want parse || want size || want nft; then
java -cp "$CP" io.cnifix.system.SyntheticHost "$out/x1" 2000 5 100000 >/dev/null
! want size || java -cp "$CP" io.cnifix.system.SyntheticHost "$out/x2" 4000 5 200000 >/dev/null
! want nft || java -cp "$CP" io.cnifix.system.SyntheticHost "$out/x1nft" 2000 5 100000 nft >/dev/null
RULES=$out/x1/iptables-save.txt
if want parse; then
echo "-- parse (target: 100,000 rules at most 1.0x iptables-restore --test wall, at most 1.5x its memory)"
if [ "$(id -u)" = 0 ] && command -v iptables-restore >/dev/null; then
    ip netns add "$NS"
    pair "parse 100,000 rules: cnifix / iptables-restore --test" "$ROUNDS" \
        parse "$WITH diff --offline --rules $RULES --format json" \
        restore "ip netns exec $NS iptables-restore --test $RULES"
else
    echo "parse: needs root and iptables-restore (skipped)"
fi
fi
if want size; then
echo "-- size (target: the 2,000-container host at most 6x the seed diff; doubling at most 2.1x)"
pair "diff 2,000 containers / seed diff" "$BIG_ROUNDS" big "$WITH diff --snapshot $out/x1" \
    seedj "$WITH diff --snapshot $SEED"
pair "diff 4,000 containers / 2,000 containers" "$BIG_ROUNDS" big2 "$WITH diff --snapshot $out/x2" \
    big1 "$WITH diff --snapshot $out/x1"
fi
if want nft; then
echo "-- nft (issue 10 target: 10,000 ports under netavark's nftables driver diff as fast as under iptables)"
pair "diff 2,000 containers: netavark nft host / iptables host" "$ROUNDS" nfthost "$WITH diff --snapshot $out/x1nft" \
    iptHost "$WITH diff --snapshot $out/x1"
fi
fi

# ---------------------------------------------------------------------------------------------------------------
# apply: one transaction vs many calls

if want apply && [ "$(id -u)" = 0 ] && command -v iptables-restore >/dev/null; then
    ip netns list | grep -qw "$NS" || ip netns add "$NS"
    ip netns exec "$NS" iptables -N CNI-FORWARD
    { echo "*filter"; for i in $(seq 1000); do echo "-I CNI-FORWARD 1 -d 10.88.$((i / 250)).$((i % 250 + 2))/32 ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m comment --comment \"cnifix: c$i tcp/$((10000 + i))\" -j ACCEPT"; done; echo COMMIT; } > "$out/restore"
    s=$(date +%s%N); ip netns exec "$NS" iptables-restore --noflush --wait 5 < "$out/restore"; e=$(date +%s%N)
    one=$(( (e - s) / 1000000 ))
    ip netns exec "$NS" iptables -F CNI-FORWARD
    s=$(date +%s%N)
    for i in $(seq 1000); do ip netns exec "$NS" iptables -w -I CNI-FORWARD 1 -d "10.88.$((i / 250)).$((i % 250 + 2))/32" ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m comment --comment "cnifix: c$i tcp/$((10000 + i))" -j ACCEPT; done
    e=$(date +%s%N)
    many=$(( (e - s) / 1000000 ))
    echo "-- apply"
    printf 'apply 1,000 rules: 1,000 iptables -I calls / one iptables-restore: %dx (%d ms vs %d ms)\n' $(( many / (one > 0 ? one : 1) )) "$many" "$one"
fi

# ---------------------------------------------------------------------------------------------------------------
# podman: hooked run vs hook-less, and the port's latency with cnifix watch

if want podman && [ "$(id -u)" = 0 ] && command -v podman >/dev/null; then
    echo "-- podman (target: a hooked podman run within 1.1x a hook-less one; with watch the port answers within 0.3 s of podman run returning, median)"
    # namespace names: BENCH_NS_PREFIX (default wat) keeps parallel runs of several checkouts apart
    bp=${BENCH_NS_PREFIX:-wat}
    export ENS_ENGINE_NS_NAME=$bp-beng-$$ ENS_CLIENT_NS_NAME=$bp-bcli-$$
    # shellcheck source=lib/engines-netns.sh
    . scripts/lib/engines-netns.sh
    ens_init "${bp}b$$" 2>/dev/null
    ens_install_packages 2>/dev/null
    ens_topology_up DROP 2>/dev/null
    ens_holder_start 2>/dev/null
    ens_podman_select pm cni 2>/dev/null
    ens_podman_import 2>/dev/null
    pw=$(ens_podman_wrapper)
    H=$ENS_STATE/hooks.d E=$ENS_STATE/no-hooks.d
    mkdir -p "$H" "$E"
    for s in poststart poststop; do
        jq --arg path "$repo/scripts/hooks/cnifix-oci-hook" --arg cnifix "$repo/scripts/cnifix" --arg jar "$repo/target/cnifix.jar" \
           --arg pw "$pw" --arg b "$ENS_STATE/backups" --arg l "$ENS_STATE/hook.log" \
           '.hook.path = $path | .hook.env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CNIFIX=" + $cnifix, "CNIFIX_JAR=" + $jar]
            | .hook.args += ["--podman", $pw, "--backup-dir", $b, "--log-file", $l]' "scripts/hooks/cnifix-$s.json" > "$H/cnifix-$s.json"
    done
    n=0
    run_one() {   # run_one HOOKSDIR: podman run -d -p, then rm -f (the removal is not timed)
        n=$((n + 1))
        local s e
        s=$(date +%s%N)
        ens_podman --hooks-dir "$1" run -d --name "b$n" -p "$((9000 + n)):80" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" \
            httpd -f -p 80 -h /www >/dev/null
        e=$(date +%s%N)
        awk -v d="$((e - s))" 'BEGIN{printf "%.3f\n", d / 1e9}'
        sleep 1   # the detached worker finishes before the next run (and before rm)
        ens_podman --hooks-dir "$1" rm -f -t 0 "b$n" >/dev/null 2>&1
        sleep 0.5
    }
    rm -f "$out/hooked.s" "$out/plain.s"
    for r in $(seq "$ROUNDS"); do
        if [ $((r % 2)) = 1 ]; then run_one "$H" >> "$out/hooked.s"; run_one "$E" >> "$out/plain.s"
        else run_one "$E" >> "$out/plain.s"; run_one "$H" >> "$out/hooked.s"; fi
    done
    hw=$(median < "$out/hooked.s") pwl=$(median < "$out/plain.s")
    printf '%-58s %5.2fx wall (%.2f s vs %.2f s), %d rounds\n' "podman run -d -p, hooked / hook-less" \
        "$(awk -v a="$hw" -v b="$pwl" 'BEGIN{print a/b}')" "$hw" "$pwl" "$ROUNDS"
    # with cnifix watch: how soon after podman run returns does the port answer?
    nsenter -t "$ENS_HOLDER_PID" -m -n -- java "${WATCH_FLAGS[@]}" -jar "$repo/target/cnifix.jar" watch --podman "$pw" --docker none \
        --no-firewalld --interval 3600 --backup-dir "$ENS_STATE/backups" --lock-file "$ENS_STATE/cnifix.lock" \
        ${BENCH_DEBUG:+--verbose} 2> "$ENS_STATE/watch.log" &
    wpid=$!
    for _ in $(seq 1 400); do grep -q 'resync (start' "$ENS_STATE/watch.log" 2>/dev/null && break; sleep 0.05; done
    # with watch running the hook only hands over (a spool file): its whole cost inside podman run
    rm -f "$out/hookedw.s" "$out/plainw.s"
    for r in $(seq "$ROUNDS"); do
        if [ $((r % 2)) = 1 ]; then run_one "$H" >> "$out/hookedw.s"; run_one "$E" >> "$out/plainw.s"
        else run_one "$E" >> "$out/plainw.s"; run_one "$H" >> "$out/hookedw.s"; fi
    done
    hw=$(median < "$out/hookedw.s") pwl=$(median < "$out/plainw.s")
    printf '%-58s %5.2fx wall (%.2f s vs %.2f s), %d rounds\n' "podman run -d -p with watch running, hooked / hook-less" \
        "$(awk -v a="$hw" -v b="$pwl" 'BEGIN{print a/b}')" "$hw" "$pwl" "$ROUNDS"
    # How soon the port answers: learning of the start from podman events (no hook), and from the OCI hook's
    # hand-over, which reaches watch before podman run returns (the RPM installs the hook beside watch).
    # The probe (src/test/java/io/cnifix/bench/PortProbe.java) runs in the client namespace from before podman run:
    # a new connection every 10 ms, a SYN with no answer given up after those 10 ms, and the first connection that
    # gets HTTP 200 is when the port answered. So the figure is the port's, to within 10 ms, not a client's connect
    # timeout or retransmit (curl with --connect-timeout 0.1 added 30-125 ms), and no process start-up is in it.
    # Negative: the port answered before podman run returned (possible with the hook's hand-over).
    latency_rounds() {   # latency_rounds HOOKS_DIR FILE
        rm -f "$2"
        local r ppid t0 t1
        for r in $(seq "$ROUNDS"); do
            n=$((n + 1))
            rm -f "$ENS_STATE/probe.ready" "$ENS_STATE/probe.out"
            ens_client java "${FLAGS[@]}" -cp "$repo/target/test-classes" io.cnifix.bench.PortProbe "$ENS_ENGINE_IP" \
                "$((9000 + n))" 10 20 "$ENS_STATE/probe.ready" > "$ENS_STATE/probe.out" 2>/dev/null &
            ppid=$!
            for _ in $(seq 1 500); do [ -s "$ENS_STATE/probe.ready" ] && break; sleep 0.01; done
            ens_podman --hooks-dir "$1" run -d --name "w$n" -p "$((9000 + n)):80" "${ENS_PODMAN_RUN_OPTS[@]}" "$ENS_IMAGE" \
                httpd -f -p 80 -h /www >/dev/null
            t0=${EPOCHREALTIME/./}   # microseconds, with no process started (a date(1) here lags by 5-50 ms under load)
            [ -z "${BENCH_DEBUG:-}" ] || echo "$(date -d "@${t0:0:10}.${t0:10:3}" +%T.%3N) bench: podman run w$n returned" >> "$ENS_STATE/probe.log"
            wait "$ppid" || true
            t1=$(head -1 "$ENS_STATE/probe.out" 2>/dev/null || true)
            if [ -n "$t1" ]; then
                echo "$(( (t1 / 1000 - t0) / 1000 ))" >> "$2"
                [ -z "${BENCH_DEBUG:-}" ] || echo "$(date -d "@${t1:0:10}.${t1:10:3}" +%T.%3N) bench: w$n answered" >> "$ENS_STATE/probe.log"
            else
                echo 20000 >> "$2"   # not within the probe's 20 s
            fi
            ens_podman --hooks-dir "$1" rm -f -t 0 "w$n" >/dev/null 2>&1
            sleep 1
        done
    }
    latency_rounds "$E" "$out/latency.s"
    latency_rounds "$H" "$out/latencyh.s"
    kill -TERM "$wpid" 2>/dev/null || true
    wait "$wpid" 2>/dev/null || true
    # BENCH_DEBUG=1: watch runs with --verbose, and its log of the port-latency rounds is shown (where the time went)
    [ -z "${BENCH_DEBUG:-}" ] || sort "$ENS_STATE/watch.log" "$ENS_STATE/probe.log" | sed -n '/ w[0-9]* /,$p' | cut -c1-240
    printf '%-58s %d ms median (%s ms), %d rounds\n' "with cnifix watch: port answers after podman run returns" \
        "$(median < "$out/latency.s")" "$(sort -n "$out/latency.s" | tr '\n' ' ' | sed 's/ $//')" "$ROUNDS"
    printf '%-58s %d ms median (%s ms), %d rounds\n' "... the same with the OCI hook handing the start over" \
        "$(median < "$out/latencyh.s")" "$(sort -n "$out/latencyh.s" | tr '\n' ' ' | sed 's/ $//')" "$ROUNDS"
fi
echo "load after: $(load)"
