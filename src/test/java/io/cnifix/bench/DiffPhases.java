package io.cnifix.bench;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.system.StateFiles;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Set;

/**
 * Where one cold `diff` of a snapshot spends its time: reading the files, building the host model, judging, as
 * wall and process CPU milliseconds per phase (run it with the launcher's JVM flags to see what users see).
 * Usage: DiffPhases SNAPSHOT_DIR [REPEAT]; a repeat shows the same phases warm.
 */
public final class DiffPhases {
    private DiffPhases() {
    }

    public static void main(String[] args) {
        int repeat = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            long c0 = cpu();
            StateSources s = new StateFiles(System.in).snapshot(Path.of(args[0]));
            long t1 = System.nanoTime();
            long c1 = cpu();
            HostState h = HostStateBuilder.build(s);
            long t2 = System.nanoTime();
            long c2 = cpu();
            DiffReport r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
            long t3 = System.nanoTime();
            long c3 = cpu();
            System.out.printf("read %d ms (cpu %d), build %d ms (cpu %d), compare %d ms (cpu %d); %d ports, %d exposures%n",
                    (t1 - t0) / 1_000_000, (c1 - c0) / 1_000_000, (t2 - t1) / 1_000_000, (c2 - c1) / 1_000_000,
                    (t3 - t2) / 1_000_000, (c3 - c2) / 1_000_000, r.ports().size(), r.exposures().size());
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
