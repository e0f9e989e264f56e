package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.engine.Simulator;
import io.cnifix.engine.TraceStep;
import io.cnifix.engine.Verdict;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.model.Family;
import io.cnifix.model.Ruleset;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The netfilter pipeline against the real kernel on hosts that mix iptables-nft tables with native nftables base
 * chains (prerouting filter and nat, forward, input; several priorities, equal ones too; DNAT in either language,
 * sets, verdict maps, marks). The nft script is loaded with {@code nft -f}, read back with {@code nft -j list
 * ruleset} and given to the simulator as cnifix reads a host. Wherever the simulator gives a definite verdict it
 * must be the kernel's; the share of UNKNOWN is printed. Then every probe the kernel forwarded to a container is
 * opened again as a real connection the container answers ({@link Replies}): the simulator's verdict for the whole
 * connection must be whether the client heard the answer. Rerun one seed with {@code -Dcnifix.nft.seed=N}.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NftKernelAgreementTest {
    private static final int RULESETS = Integer.getInteger("cnifix.nft.rulesets", 120);
    private static final Long ONE_SEED = Long.getLong("cnifix.nft.seed");
    private static final int PROBES = 40;
    /** More probes per ruleset, all from where the answer goes back the same way and to a container or the host. */
    private static final int CONNECTION_PROBES = Integer.getInteger("cnifix.nft.connections", 16);
    private static final Map<String, Integer> TALLY = new TreeMap<>();
    private static final Replies.Tally REPLIES = new Replies.Tally();

    private static LabWorld world;
    private static KernelLab lab;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        world = LabWorld.standard();
        lab = KernelLab.create(world.topology);
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    @Order(1)
    @TestFactory
    Stream<DynamicTest> randomMixedRulesets() {
        Stream<Long> seeds = ONE_SEED != null ? Stream.of(ONE_SEED) : IntStream.range(0, RULESETS).mapToObj(i -> (long) i);
        return seeds.map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> random(seed)));
    }

    /** Most probes got a definite verdict, and the run met drops and accepts decided by native chains. */
    @Order(2)
    @Test
    void unknownShareIsReported() {
        assumeTrue(ONE_SEED == null, "only after a full run");
        int unknown = TALLY.getOrDefault("unknown", 0);
        int total = TALLY.values().stream().mapToInt(Integer::intValue).sum() - TALLY.getOrDefault("nft-decided", 0);
        System.out.printf("nft differential, first packets: %d probes, %d definite (%.1f%%), all agreeing with the"
                        + " kernel, %d unknown (%.1f%%); %s%n", total, total - unknown,
                100.0 * (total - unknown) / Math.max(1, total), unknown, 100.0 * unknown / Math.max(1, total), TALLY);
        System.out.println("nft differential, reply direction: " + REPLIES.report());
        assertTrue(TALLY.getOrDefault("nft-decided", 0) > 0, "no probe was decided by a native chain: " + TALLY);
        assertTrue(unknown * 4 < total, "more than a quarter unknown: " + TALLY);
        int connections = REPLIES.get("probes");
        assertTrue(REPLIES.get("answered") > 0 && REPLIES.get("answered") < connections,
                "the reply direction met only one fate: " + REPLIES.report());
        assertTrue(REPLIES.get("unknown") * 4 < connections, "more than a quarter unknown: " + REPLIES.report());
    }

    private static void random(long seed) throws Exception {
        NftRulesetGenerator g = new NftRulesetGenerator(seed);
        try {
            lab.loadRules(g.iptables, null);
            lab.hostExec(g.nft, "nft", "-f", "-");
        } catch (Exception e) {
            throw new AssertionError("seed " + seed + ": the generated ruleset does not load (generator bug): " + e
                    + "\n--- iptables\n" + g.iptables + "--- nft\n" + g.nft, e);
        }
        String json = lab.hostExec(null, "nft", "-j", "list", "ruleset");
        List<NftTable> tables = new ArrayList<>();
        for (NftTable t : NftReader.read(new InputText("nft -j list ruleset", json))) {
            if (!t.name().equals("cfxlab")) {
                tables.add(t);
            }
        }
        Ruleset r4 = IptablesSaveParser.parse(new InputText("seed-" + seed + ".v4", g.iptables), Family.V4);
        Simulator sim = new Simulator(r4, tables, world.hostNet());
        Random rnd = new Random(seed);
        Agreement.Ports ports = new Agreement.Ports(rnd);
        List<Probe> probes = probes(rnd, ports, RulesetGenerator.v4Pools());
        List<Agreement.Outcome> bad = new ArrayList<>();
        List<Agreement.Outcome> first = Agreement.run(lab, sim, sim, probes);
        for (Agreement.Outcome o : first) {
            if (o.simulated().verdict() == Verdict.UNKNOWN) {
                tally("unknown");
                continue;
            }
            tally(o.simulated().verdict().name().toLowerCase());
            if (o.simulated().decidedBy() instanceof io.cnifix.engine.Decider.ByNftRule
                    || o.simulated().decidedBy() instanceof io.cnifix.engine.Decider.ByNftPolicy) {
                tally("nft-decided");
            }
            if (!o.agrees()) {
                bad.add(o);
            }
        }
        if (!bad.isEmpty()) {
            StringBuilder b = new StringBuilder("seed " + seed + ": " + bad.size() + " of " + probes.size()
                    + " probes differ from the kernel\n");
            for (Agreement.Outcome o : bad.subList(0, Math.min(6, bad.size()))) {
                b.append(Agreement.explain(o));
                for (var c : o.simulated().chains()) {
                    b.append("      chain ").append(c.hook()).append(' ').append(c.table()).append(' ').append(c.chain())
                            .append(" (").append(c.priority()).append(") -> ").append(c.verdict()).append('\n');
                }
            }
            b.append("--- iptables\n").append(g.iptables).append("--- nft\n").append(g.nft);
            fail(b.toString());
        }
        List<Replies.Outcome> wrong = new ArrayList<>();
        List<Replies.Outcome> replies = Replies.run(lab, world, p -> sim, first, ports, REPLIES);
        for (Replies.Outcome o : replies) {
            if (o.definite() && !o.agrees()) {
                wrong.add(o);
            }
        }
        if (!wrong.isEmpty()) {
            StringBuilder b = new StringBuilder("seed " + seed + ": " + wrong.size() + " of " + replies.size()
                    + " connections differ from the kernel\n");
            wrong.subList(0, Math.min(6, wrong.size())).forEach(o -> b.append(Replies.explain(o)));
            b.append("--- iptables\n").append(g.iptables).append("--- nft\n").append(g.nft);
            fail(b.toString());
        }
    }

    private static synchronized void tally(String k) {
        TALLY.merge(k, 1, Integer::sum);
    }

    private static List<Probe> probes(Random rnd, Agreement.Ports ports, RulesetGenerator.Pools pools) {
        List<String> ifaces = world.externalNames();
        List<Probe> out = new ArrayList<>();
        List<Integer> hot = List.of(22, 53, 80, 443, 8000, 8080, 8081, 9000);
        while (out.size() < PROBES + CONNECTION_PROBES) {
            int i = out.size();
            boolean connection = i >= PROBES;
            String iface = ifaces.get(rnd.nextInt(ifaces.size()));
            String proto = rnd.nextBoolean() ? "tcp" : "udp";
            String src = pools.sources().get(rnd.nextInt(pools.sources().size()));
            if (connection || rnd.nextBoolean()) {
                // Half the probes come from where the host's answer goes back the same way, so their connections
                // can be tried in the reply direction too.
                List<String> back = pools.sources().stream().filter(s -> {
                    var route = world.hostNet().route(io.cnifix.model.IpAddress.parse(s));
                    return route != null && iface.equals(route.device());
                }).toList();
                src = back.isEmpty() ? src : back.get(rnd.nextInt(back.size()));
            }
            double r = rnd.nextDouble();
            List<String> dests = connection ? (r < 0.5 ? pools.hostAddresses() : pools.members())
                    : r < 0.6 ? pools.hostAddresses() : r < 0.9 ? pools.members() : pools.outside();
            String dst = dests.get(rnd.nextInt(dests.size()));
            int dport = connection || rnd.nextDouble() < 0.9 ? hot.get(rnd.nextInt(hot.size())) : 1 + rnd.nextInt(65535);
            if (world.usable(iface, src, dst)) {
                out.add(new Probe("n" + i, iface, proto, src, ports.next(proto), dst, dport));
            }
        }
        return out;
    }

    @SuppressWarnings("unused")
    private static String path(List<TraceStep> steps) {
        StringBuilder b = new StringBuilder();
        steps.forEach(s -> b.append(s.rule().table()).append(' ').append(s.rule().text()).append(" => ").append(s.action()).append('\n'));
        return b.toString();
    }
}
