package io.cnifix.engine.compare;

import io.cnifix.Fixtures;
import io.cnifix.engine.HostNet;
import io.cnifix.engine.Simulator;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;
import io.cnifix.model.PortRange;
import io.cnifix.model.Ruleset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An admin blocklist of N {@code -s X/32 -j DROP} rules costs a number of traces that does not grow with N (the run
 * is one set of intervals), and every source class gets a definite fate. Counts, not time: no timed assertions.
 */
class AdminChainScaleTest {
    private static final String FIXTURE = "centos7-podman-cni";

    static String blocklist(String rules, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("-A CNI-ADMIN -s ").append(11 + (i >> 16) % 200).append('.').append((i >> 8) & 255).append('.')
                    .append(i & 255).append(".1/32 -j DROP\n");
        }
        int commit = rules.indexOf("COMMIT", rules.indexOf("*filter"));
        return rules.substring(0, commit) + sb + rules.substring(commit);
    }

    private static int traces(int n) {
        HostState host = Fixtures.host(FIXTURE, t -> blocklist(t, n));
        Ruleset rules = host.ruleset(Family.V4);
        OutsideWorld outside = new OutsideWorld(host, rules, Family.V4);
        SourceSet sources = new SourceSet(outside.sources);
        Explorer ex = new Explorer(new Simulator(rules, HostNet.of(host, List.of(), List.of())), new Splits(sources, false, rules), 6);
        PortMapping m = host.mappings().get(0);
        List<Box> start = new ArrayList<>();
        for (String iface : outside.interfaces) {
            for (IpAddress d : outside.destinations) {
                start.add(new Box(sources, new PortRange(1024, 65535), PortRange.of(m.hostPort()), iface, d));
            }
        }
        assertNotNull(ex.explore(start), "judged within the trace limit with " + n + " rules");
        return ex.traces;
    }

    @Test
    void tracesDoNotGrowWithTheBlocklist() {
        int one = traces(1);
        int many = traces(10_000);
        assertTrue(many <= one + 4 * 4, "1 rule: " + one + " traces, 10,000 rules: " + many);
    }

    @Test
    void tenThousandRulesGiveADefiniteStatusAndFewSourceClasses() {
        HostState host = Fixtures.host(FIXTURE, t -> blocklist(t, 10_000));
        DiffReport r = new Comparer(host, DockerModel.CURRENT, Set.of()).compare();
        PortReport p = r.ports().get(0);
        assertNotEquals(PortStatus.UNKNOWN, p.status(), p.why());
        assertEquals(PortStatus.GAP, p.status(), p.why());
        assertTrue(p.sources().stream().anyMatch(g -> g.admin() && g.outcome().equals("drop")), p.sources().toString());
        assertTrue(p.sources().size() <= 4, "source classes: " + p.sources().size());
    }

    @Test
    void ipv4RangesBecomeExactAlignedPrefixes() {
        java.util.Random r = new java.util.Random(12);
        for (int i = 0; i < 2000; i++) {
            long a = r.nextInt() & 0xffffffffL;
            long b = i % 3 == 0 ? a + r.nextInt(300) : a + (r.nextLong() & 0xffffffL);
            b = Math.min(b, 0xffffffffL);
            List<io.cnifix.model.Cidr> cs = new Interval(IpAddress.v4(a), IpAddress.v4(b)).toCidrs();
            long next = a;
            for (io.cnifix.model.Cidr c : cs) {
                assertEquals(next, c.base().lo(), "contiguous and aligned: " + cs);
                next = c.last().lo() + 1;
            }
            assertEquals(b + 1, next, "ends at the range's end");
        }
        assertEquals("[0.0.0.0/0]", Interval.all(Family.V4).toCidrs().toString());
    }
}
