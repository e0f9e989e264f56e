package io.cnifix.bench;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.ingest.BoundedRead;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.NameTables;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Where one cold run of {@code diff --offline --rules FILE} spends its time, phase by phase, as the CLI does it:
 * read the file, parse and build the host, compare. Prints each phase's wall time, the process's CPU time and the
 * bytes the main thread allocated in it. Run with the launcher's flags (a cold JVM is the point: C1, no warm-up).
 * Usage: ParsePhases FILE [ROUNDS [parse]]  (rounds after the first show the warm cost; with
 * {@code parse}, a parse alone on the main thread first, to count its allocation).
 */
public final class ParsePhases {
    private ParsePhases() {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static long wall;
    private static long cpu;
    private static long bytes;

    private static void mark() {
        wall = System.nanoTime();
        cpu = OS.getProcessCpuTime();
        bytes = THREADS.getCurrentThreadAllocatedBytes();
    }

    private static void report(String phase) {
        System.out.printf("%-10s %6d ms wall %6d ms cpu %7.1f MB allocated (main thread)%n", phase,
                (System.nanoTime() - wall) / 1_000_000, (OS.getProcessCpuTime() - cpu) / 1_000_000,
                (THREADS.getCurrentThreadAllocatedBytes() - bytes) / 1e6);
        mark();
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        System.out.printf("JVM start to main: %d ms, cpu so far %d ms%n",
                System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime(),
                OS.getProcessCpuTime() / 1_000_000);
        for (int r = 0; r < rounds; r++) {
            mark();
            InputText text = BoundedRead.file(Path.of(args[0]));
            report("read");
            if (args.length > 2) {
                io.cnifix.ingest.IptablesSaveParser.parse(text);
                report("parse");
            }
            StateSources s = new StateSources(List.of(text), List.of(), List.of(), List.of(), List.of(), List.of());
            HostState h = HostStateBuilder.build(s, NameTables.bundled());
            report("build");
            new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
            report("compare");
            System.out.printf("rules %d, heap used %d MB%n", h.rulesets().get(0).ruleCount(),
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        }
        System.out.printf("total cpu %d ms%n", OS.getProcessCpuTime() / 1_000_000);
    }
}
