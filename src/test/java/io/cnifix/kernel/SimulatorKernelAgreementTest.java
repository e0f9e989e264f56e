package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.Fixtures;
import io.cnifix.engine.HostNet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.TraceStep;
import io.cnifix.engine.Verdict;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Target;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
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
 * The simulator against the real kernel: every fixture, and hundreds of seeded random rulesets (IPv4, and IPv6 for
 * every third seed), each probed with first packets entering by several links, to the host, to published and
 * unpublished ports and straight to container addresses. Each probe's arrival in the lab must be what the
 * simulator's trace of the same packet says. A failure names the seed (rerun one with
 * {@code -Dcnifix.kernel.seed=N}), prints the ruleset and, per differing probe, both outcomes and the path.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SimulatorKernelAgreementTest {

    private static final int RULESETS = Integer.getInteger("cnifix.kernel.rulesets", 320);
    private static final Long ONE_SEED = Long.getLong("cnifix.kernel.seed");
    private static final int PROBES_V4 = 32;
    private static final int PROBES_V6 = 20;
    /** Rule features (match kinds, options, targets) of rules some probe matched in the kernel-checked runs. */
    private static final Set<String> EXERCISED = new ConcurrentSkipListSet<>();
    /** How the kernel-checked random probes ended, for the run's summary line. */
    private static final java.util.Map<String, Integer> OUTCOMES = new java.util.TreeMap<>();
    /** The reply direction: connections to containers the kernel let the first packet reach. */
    private static final Replies.Tally REPLIES = new Replies.Tally();
    private static final Replies.Tally FIXTURE_REPLIES = new Replies.Tally();

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
    Stream<DynamicTest> everyFixture() {
        return Fixtures.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> fixture(name)));
    }

    @Order(2)
    @TestFactory
    Stream<DynamicTest> randomRulesets() {
        Stream<Long> seeds = ONE_SEED != null ? Stream.of(ONE_SEED)
                : IntStream.range(0, RULESETS).mapToObj(i -> (long) i);
        return seeds.map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> random(seed)));
    }

    /** The random runs exercised every feature the generator uses, so agreement covers all of them. */
    @Order(3)
    @Test
    void everyFeatureWasExercised() {
        assumeTrue(ONE_SEED == null && RULESETS >= 300, "only after a full run");
        Set<String> missing = new TreeSet<>(List.of("match:Address!", "match:Interface!", "match:Interface+",
                "match:Protocol!", "match:Ports:dport", "match:Ports:sport", "match:Ports:flags", "match:Multiport",
                "match:Conntrack:ctstate", "match:Conntrack:ctstate:DNAT", "match:Conntrack:ctstate!",
                "match:Conntrack:ctstatus", "match:Conntrack:ctorigdst", "match:Conntrack:ctorigdstport",
                "match:Conntrack:ctorigsrc", "match:Conntrack:ctdir", "match:Conntrack:ctreplsrc", "match:State",
                "match:AddrType", "match:AddrType:limit-in", "match:AddrType:limit-out", "match:Mark", "match:Mark:conn",
                "match:Comment", "target:Accept", "target:Drop", "target:Reject", "target:Return", "target:Jump",
                "target:Goto", "target:Nat:DNAT", "target:Nat:DNAT:port", "target:Nat:DNAT:range",
                "target:Nat:DNAT:base", "target:Nat:DNAT:range-kept",
                "target:Nat:SNAT", "target:Masquerade", "target:SetMark", "target:ConnMark", "target:NoTrack",
                "target:Continue", "target:None", "policy:DROP", "v6"));
        System.out.println("random probes by outcome: " + OUTCOMES);
        missing.removeAll(EXERCISED);
        assertTrue(missing.isEmpty(), () -> "never matched by any probe: " + missing + "\nexercised: " + EXERCISED);
    }

    // ---------------------------------------------------------------------------------------------- fixtures

    private static void fixture(String name) throws Exception {
        HostState h = Fixtures.host(name);
        ExternalLink extra = new ExternalLink("ext0", List.of("100.64.9.1/24"), List.of("100.64.9.2/24"), false);
        LabWorld w = LabWorld.of(h, List.of(extra));
        String v4 = Files.readString(Fixtures.ROOT.resolve(name).resolve("iptables-save.txt"));
        Path v6File = Fixtures.ROOT.resolve(name).resolve("ip6tables-save.txt");
        String v6 = Files.exists(v6File) && !Files.readString(v6File).isBlank() ? Files.readString(v6File) : null;
        // The host as the tool sees it, plus the lab's extra link given the way the CLI takes extra addresses.
        HostNet net = HostNet.of(h, List.of(IpAddress.parse("100.64.9.1")),
                List.of(new HostNet.RouteEntry(Cidr.parse("100.64.9.0/24"), "ext0", "unicast", 0, 0)));
        Simulator sim4 = new Simulator(h.ruleset(Family.V4), h.nftTables(), net);
        Ruleset r6 = h.ruleset(Family.V6);
        Simulator sim6 = new Simulator(r6 != null ? r6 : Ruleset.empty(Family.V6, "none"), h.nftTables(), net);
        Random rnd = new Random(name.hashCode());
        Agreement.Ports ports = new Agreement.Ports(rnd);
        List<Probe> probes = fixtureProbes(h, w, rnd, ports);
        try (KernelLab fixtureLab = KernelLab.create(w.topology)) {
            fixtureLab.loadRules(v4, v6);
            NativeTables.load(fixtureLab, Fixtures.ROOT.resolve(name));
            List<Agreement.Outcome> bad = new ArrayList<>();
            List<Agreement.Outcome> all = new ArrayList<>();
            for (int i = 0; i < probes.size(); i += 120) {
                for (Agreement.Outcome o : Agreement.run(fixtureLab, sim4, sim6,
                        probes.subList(i, Math.min(probes.size(), i + 120)))) {
                    all.add(o);
                    if (!o.agrees() || o.simulated().verdict() == Verdict.UNKNOWN) {
                        bad.add(o);
                    }
                }
            }
            if (!bad.isEmpty()) {
                fail(report("fixture " + name, v4, v6, probes.size(), bad));
            }
            List<Replies.Outcome> replies = Replies.run(fixtureLab, w, p -> p.dst().contains(":") ? sim6 : sim4, all,
                    ports, FIXTURE_REPLIES);
            failOnWrongReplies("fixture " + name, v4, v6, replies);
            System.out.println("fixture " + name + ": " + probes.size() + " probes agree; " + replies.size()
                    + " connections, " + replies.stream().filter(Replies.Outcome::answered).count() + " answered, "
                    + replies.stream().filter(o -> !o.definite()).count() + " unknown, all definite ones agree");
        }
    }

    /**
     * From every outside link, TCP and UDP, from an outside source, an on-link neighbour and a spoofed container
     * subnet address: to each published host port (and the next one up, and a few unpublished ones) on each of the
     * host's addresses, and straight to each container on its published ports and on others.
     */
    private static List<Probe> fixtureProbes(HostState h, LabWorld w, Random rnd, Agreement.Ports ports) {
        Set<String> hostDests = new LinkedHashSet<>();
        for (ExternalLink l : w.topology.externals()) {
            l.hostCidrs().stream().filter(c -> !c.contains(":")).forEach(c -> hostDests.add(LabWorld.addr(c)));
        }
        for (Network n : h.networks()) {
            n.gateways().stream().filter(IpAddress::isV4).forEach(g -> hostDests.add(g.toString()));
        }
        List<Probe> out = new ArrayList<>();
        for (ExternalLink l : w.topology.externals()) {
            String hostAddr = l.hostCidrs().stream().filter(c -> !c.contains(":")).findFirst().orElseThrow();
            Cidr link = Cidr.parse(hostAddr);
            List<String> sources = new ArrayList<>(List.of("203.0.113.7", link.base().plus(77).toString()));
            h.networks().stream().flatMap(n -> n.subnets().stream()).filter(c -> c.family() == Family.V4).findFirst()
                    .ifPresent(c -> sources.add(c.base().plus(99).toString()));
            for (String proto : List.of("tcp", "udp")) {
                for (String src : sources) {
                    Set<Integer> hostPorts = new TreeSet<>(List.of(22, 53, 80, 443));
                    for (PortMapping m : h.mappings()) {
                        hostPorts.add(m.hostPort());
                        hostPorts.add(m.hostPort() + 1);
                    }
                    hostPorts.add(1024 + rnd.nextInt(60000));
                    for (String d : hostDests) {
                        for (int p : hostPorts) {
                            add(out, w, l.hostIface(), proto, src, ports.next(proto), d, p);
                        }
                    }
                    for (String member : w.members.keySet()) {
                        if (member.contains(":")) {
                            continue;
                        }
                        Set<Integer> cports = new TreeSet<>(List.of(80, 81, 53, 443));
                        h.mappings().forEach(m -> cports.add(m.containerPort()));
                        cports.add(1 + rnd.nextInt(65535));
                        for (int p : cports) {
                            add(out, w, l.hostIface(), proto, src, ports.next(proto), member, p);
                        }
                    }
                    add(out, w, l.hostIface(), proto, src, ports.next(proto), "8.8.8.8", 53);
                }
            }
        }
        return out;
    }

    private static void add(List<Probe> out, LabWorld w, String iface, String proto, String src, int sport,
                            String dst, int dport) {
        if (w.usable(iface, src, dst)) {
            out.add(new Probe("p" + out.size(), iface, proto, src, sport, dst, dport));
        }
    }

    // ---------------------------------------------------------------------------------------------- random

    private static void random(long seed) throws Exception {
        String v4 = new RulesetGenerator(seed, false, RulesetGenerator.v4Pools()).generate();
        String v6 = seed % 3 == 0 ? new RulesetGenerator(seed, true, RulesetGenerator.v6Pools()).generate() : null;
        Ruleset r4 = IptablesSaveParser.parse(new InputText("seed-" + seed + ".v4", v4), Family.V4);
        Ruleset r6 = v6 == null ? Ruleset.empty(Family.V6, "none")
                : IptablesSaveParser.parse(new InputText("seed-" + seed + ".v6", v6), Family.V6);
        HostNet net = world.hostNet();
        Simulator sim4 = new Simulator(r4, net);
        Simulator sim6 = new Simulator(r6, net);
        Random rnd = new Random(seed);
        Agreement.Ports ports = new Agreement.Ports(rnd);
        List<Probe> probes = new ArrayList<>(randomProbes(rnd, ports, RulesetGenerator.v4Pools(), PROBES_V4, "a"));
        if (v6 != null) {
            probes.addAll(randomProbes(rnd, ports, RulesetGenerator.v6Pools(), PROBES_V6, "b"));
        }
        try {
            lab.loadRules(v4, v6);
        } catch (Exception e) {
            throw new AssertionError("seed " + seed + ": the generated ruleset does not load (generator bug): " + e
                    + "\n--- iptables-save\n" + v4 + (v6 == null ? "" : "--- ip6tables-save\n" + v6), e);
        }
        List<Agreement.Outcome> bad = new ArrayList<>();
        List<Agreement.Outcome> first = Agreement.run(lab, sim4, sim6, probes);
        for (Agreement.Outcome o : first) {
            if (o.agrees()) {
                noteExercised(o);
            } else {
                bad.add(o);
            }
        }
        if (!bad.isEmpty()) {
            fail(report("seed " + seed, v4, v6, probes.size(), bad));
        }
        List<Replies.Outcome> replies = Replies.run(lab, world, p -> p.dst().contains(":") ? sim6 : sim4, first, ports,
                REPLIES);
        failOnWrongReplies("seed " + seed, v4, v6, replies);
    }

    /** Every connection the simulator gives a definite verdict must be answered exactly when the kernel's is. */
    private static void failOnWrongReplies(String what, String v4, String v6, List<Replies.Outcome> replies) {
        List<Replies.Outcome> wrong = replies.stream().filter(o -> o.definite() && !o.agrees()).toList();
        if (!wrong.isEmpty()) {
            StringBuilder b = new StringBuilder(what + ": " + wrong.size() + " of " + replies.size()
                    + " connections differ between the kernel and the simulator\n");
            wrong.stream().limit(8).forEach(o -> b.append(Replies.explain(o)));
            b.append("--- iptables-save\n").append(v4);
            if (v6 != null) {
                b.append("--- ip6tables-save\n").append(v6);
            }
            fail(b.toString());
        }
    }

    /** The reply direction's figures, after the random runs (and the fixtures') are through. */
    @Order(4)
    @Test
    void replyDirectionIsReported() {
        assumeTrue(ONE_SEED == null, "only after a full run");
        System.out.println("iptables differential, reply direction, random rulesets: " + REPLIES.report());
        System.out.println("iptables differential, reply direction, fixtures: " + FIXTURE_REPLIES.report());
        int connections = REPLIES.get("probes");
        assertTrue(REPLIES.get("answered") > 0 && REPLIES.get("answered") < connections,
                "the reply direction met only one fate: " + REPLIES.report());
        assertTrue(REPLIES.get("unknown") * 4 < connections, "more than a quarter unknown: " + REPLIES.report());
    }

    /**
     * Random first packets: from each link at least once straight to a container, otherwise to the host's own
     * addresses, to containers, or to outside hosts routed out again; ports mostly from the pool the rules use.
     */
    private static List<Probe> randomProbes(Random rnd, Agreement.Ports ports, RulesetGenerator.Pools pools, int n,
                                            String tag) {
        List<String> ifaces = world.externalNames();
        List<Probe> out = new ArrayList<>();
        while (out.size() < n) {
            int i = out.size();
            String iface = i < ifaces.size() ? ifaces.get(i) : ifaces.get(rnd.nextInt(ifaces.size()));
            String proto = rnd.nextBoolean() ? "tcp" : "udp";
            String src = pools.sources().get(rnd.nextInt(pools.sources().size()));
            double r = i < ifaces.size() ? 0.5 : rnd.nextDouble();
            List<String> dests = r < 0.45 ? pools.hostAddresses() : r < 0.85 ? pools.members() : pools.outside();
            String dst = dests.get(rnd.nextInt(dests.size()));
            int dport = rnd.nextDouble() < 0.85 ? pools.ports().get(rnd.nextInt(pools.ports().size()))
                    : 1 + rnd.nextInt(65535);
            if (world.usable(iface, src, dst)) {
                out.add(new Probe(tag + i, iface, proto, src, ports.next(proto), dst, dport));
            }
        }
        return out;
    }

    private static void noteExercised(Agreement.Outcome o) {
        String kind = o.kernel().getClass().getSimpleName() + (o.simulated().dnatAddress() != null ? "+DNAT" : "");
        OUTCOMES.merge(kind, 1, Integer::sum);
        if (o.probe().dst().contains(":")) {
            EXERCISED.add("v6");
        }
        if (o.simulated().decidedBy() instanceof io.cnifix.engine.Decider.ByPolicy p && p.policy().equals("DROP")) {
            EXERCISED.add("policy:DROP");
        }
        for (TraceStep s : o.simulated().path()) {
            if (!s.matched().equals("yes")) {
                continue;
            }
            for (Match m : s.rule().matches()) {
                String k = "match:" + m.getClass().getSimpleName();
                EXERCISED.add(k);
                if (m instanceof Match.Address a && a.negated() || m instanceof Match.Protocol p && p.negated()) {
                    EXERCISED.add(k + "!");
                }
                if (m instanceof Match.Interface i) {
                    EXERCISED.add(k + (i.negated() ? "!" : "") + (i.name().endsWith("+") ? "+" : ""));
                    EXERCISED.add(k + (i.negated() ? "!" : ""));
                    EXERCISED.add(k + (i.name().endsWith("+") ? "+" : ""));
                }
                if (m instanceof Match.Ports p) {
                    for (Match.PortCondition c : p.conditions()) {
                        EXERCISED.add(k + (c instanceof Match.PortIs pi
                                ? (pi.side() == io.cnifix.model.Side.SOURCE ? ":sport" : ":dport") : ":flags"));
                    }
                }
                if (m instanceof Match.Conntrack ct) {
                    for (Match.CtCondition c : ct.conditions()) {
                        if (c instanceof Match.CtStates st) {
                            String opt = st.status() ? ":ctstatus" : ":ctstate";
                            EXERCISED.add(k + opt);
                            if (st.negated()) {
                                EXERCISED.add(k + opt + "!");
                            }
                            if (st.names().contains("DNAT")) {
                                EXERCISED.add(k + opt + ":DNAT");
                            }
                        } else if (c instanceof Match.CtAddress a) {
                            EXERCISED.add(k + ":ct" + (a.reply() ? "repl" : "orig")
                                    + (a.side() == io.cnifix.model.Side.SOURCE ? "src" : "dst"));
                        } else if (c instanceof Match.CtPort cp) {
                            EXERCISED.add(k + ":ct" + (cp.reply() ? "repl" : "orig")
                                    + (cp.side() == io.cnifix.model.Side.SOURCE ? "srcport" : "dstport"));
                        } else if (c instanceof Match.CtDirection) {
                            EXERCISED.add(k + ":ctdir");
                        } else if (c instanceof Match.CtProto) {
                            EXERCISED.add(k + ":ctproto");
                        }
                    }
                }
                if (m instanceof Match.AddrType at) {
                    if (at.limitIfaceIn()) {
                        EXERCISED.add(k + ":limit-in");
                    }
                    if (at.limitIfaceOut()) {
                        EXERCISED.add(k + ":limit-out");
                    }
                }
                if (m instanceof Match.Mark mk && mk.connection()) {
                    EXERCISED.add(k + ":conn");
                }
            }
            Target t = s.rule().target();
            String k = "target:" + t.getClass().getSimpleName();
            EXERCISED.add(k);
            if (t instanceof Target.Nat nat) {
                EXERCISED.add(k + (nat.destination() ? ":DNAT" : ":SNAT"));
                if (nat.destination() && nat.ports() != null) {
                    EXERCISED.add(k + ":DNAT:" + (nat.ports().first() == nat.ports().last() ? "port" : "range"));
                    if (nat.basePort() != null) {
                        EXERCISED.add(k + ":DNAT:base");
                    } else if (nat.ports().first() != nat.ports().last() && nat.ports().first() != o.probe().dport()
                            && Integer.valueOf(o.probe().dport()).equals(o.simulated().dnatPort())) {
                        EXERCISED.add(k + ":DNAT:range-kept");
                    }
                }
            }
        }
    }

    private static String report(String what, String v4, String v6, int probes, List<Agreement.Outcome> bad) {
        StringBuilder b = new StringBuilder();
        b.append(what).append(": ").append(bad.size()).append(" of ").append(probes)
                .append(" probes differ between the kernel and the simulator\n");
        bad.stream().limit(12).forEach(o -> b.append(Agreement.explain(o)));
        b.append("--- iptables-save\n").append(v4);
        if (v6 != null) {
            b.append("--- ip6tables-save\n").append(v6);
        }
        return b.toString();
    }
}
