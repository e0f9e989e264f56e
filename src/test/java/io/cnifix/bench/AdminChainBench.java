package io.cnifix.bench;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.system.StateFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The admin-chain cost: judging a snapshot whose admin chain holds N {@code -s X/32 -j DROP} rules (a fail2ban or
 * abuse-list shape), for N = 1, 1,000, 10,000 and 20,000; prints parse and judge times (warm median) and the
 * ratio to the 1-rule case. CPU time (all threads of this process) is the work done, whatever else runs on the machine. Usage: AdminChainBench SNAPSHOT_DIR (a Podman CNI snapshot with CNI-ADMIN).
 */
public final class AdminChainBench {
    private AdminChainBench() {
    }

    static String blocklist(String rules, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("-A CNI-ADMIN -s ").append(11 + (i >> 16) % 200).append('.').append((i >> 8) & 255).append('.')
                    .append(i & 255).append(".1/32 -j DROP\n");
        }
        int commit = rules.indexOf("COMMIT", rules.indexOf("*filter"));
        return rules.substring(0, commit) + sb + rules.substring(commit);
    }

    public static void main(String[] args) {
        StateSources s = new StateFiles(System.in).snapshot(Path.of(args[0]));
        double base = 0;
        for (int n : new int[] {1, 1_000, 10_000, 20_000}) {
            List<InputText> rules = new ArrayList<>();
            for (InputText t : s.rules()) {
                rules.add(t.name().contains("ip6tables") ? t : new InputText(t.name(), blocklist(t.content(), n)));
            }
            StateSources edited = new StateSources(rules, s.ports(), s.networks(), s.addresses(), s.routes(), s.notes());
            long[] parse = new long[7];
            long[] judge = new long[7];
            long[] cpu = new long[7];
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            DiffReport r = null;
            for (int i = 0; i < parse.length; i++) {
                long t0 = System.nanoTime();
                HostState h = HostStateBuilder.build(edited);
                long t1 = System.nanoTime();
                long c1 = os.getProcessCpuTime();
                r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
                long t2 = System.nanoTime();
                cpu[i] = (os.getProcessCpuTime() - c1) / 1000;
                parse[i] = (t1 - t0) / 1000;
                judge[i] = (t2 - t1) / 1000;
            }
            Arrays.sort(parse);
            Arrays.sort(judge);
            Arrays.sort(cpu);
            double j = judge[judge.length / 2] / 1000.0;
            if (n == 1) {
                base = j;
            }
            PortReport p = r.ports().get(0);
            System.out.printf("admin chain of %,d -s X/32 DROP rules: parse %.1f ms, judge %.1f ms wall, %.1f ms CPU (warm medians), %.1fx the 1-rule judge; "
                    + "status %s, %d source classes%n", n, parse[parse.length / 2] / 1000.0, j, cpu[cpu.length / 2] / 1000.0, j / base, p.status().id, p.sources().size());
        }
    }
}
