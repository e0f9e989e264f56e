package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.Exposure;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.engine.compare.SourceGroup;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.lab.ProbeResult;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.PortRange;
import io.cnifix.model.Side;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * What {@code cnifix diff} reports, checked packet by packet in the kernel lab: for every fixture and for a hundred
 * random hosts, every source group of every judged port is sent real first packets through the host port (a few
 * sources of the group, from each interface it names, to each address it names) and must end as the group says
 * (accept: in the container on its port; drop/reject: nowhere; no DNAT or misrouted: not in the container), and
 * where the first packet gets in, a real connection the container answers must be answered exactly when the group
 * is "accept" rather than "reply-drop" or "reply-reject"; every
 * exposure is reachable straight at the container (ports sampled in each range); and directly routed ports in no
 * exposure, which the reference does not allow, are not. A failure names the host (seed or fixture), prints its
 * ruleset, the report's claim and the probe.
 */
@Tag("netns")
class DiffKernelAgreementTest {

    private static final int HOSTS = Integer.getInteger("cnifix.kernel.hosts", 100);
    private static final Long ONE_SEED = Long.getLong("cnifix.kernel.seed");
    /** Outside sources for claims about "every outside source". */
    private static final List<String> ANY_SOURCES = List.of("203.0.113.7", "8.8.4.4", "45.33.32.156", "198.51.100.77",
            "192.0.2.55", "100.64.0.99", "172.31.200.9");

    private static KernelLab lab;
    private static LabWorld world;
    /** Over the whole run: port statuses, group outcomes and exposures checked, for the summary line. */
    private static final Map<String, Integer> CHECKED = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        world = new LabWorld(RandomHost.LAB);
        lab = KernelLab.create(RandomHost.LAB);
    }

    @AfterAll
    static void stop() {
        System.out.println("diff claims checked in the kernel: " + CHECKED);
        if (lab != null) {
            lab.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixture() {
        return Fixtures.names().stream().flatMap(name -> Stream.of(DockerModel.CURRENT, DockerModel.CLASSIC)
                .map(model -> DynamicTest.dynamicTest(name + " " + model, () -> fixture(name, model))));
    }

    @TestFactory
    Stream<DynamicTest> randomHosts() {
        Stream<Long> seeds = ONE_SEED != null ? Stream.of(ONE_SEED) : IntStream.range(0, HOSTS).mapToObj(i -> (long) i);
        return seeds.map(seed -> DynamicTest.dynamicTest("host " + seed, () -> randomHost(seed)));
    }

    private static void fixture(String name, DockerModel model) throws Exception {
        HostState h = Fixtures.host(name);
        DiffReport report = new Comparer(h, model, Set.of()).compare();
        // Besides the host's own outside interfaces, one it does not list: the comparer must judge it too (as the
        // class of interfaces no rule names).
        LabWorld w = LabWorld.of(h, List.of(new ExternalLink("wan7", List.of("100.64.10.1/24"),
                List.of("100.64.10.2/24"), false)));
        String v4 = Files.readString(Fixtures.ROOT.resolve(name).resolve("iptables-save.txt"));
        try (KernelLab fixtureLab = KernelLab.create(w.topology)) {
            fixtureLab.loadRules(v4, null);
            NativeTables.load(fixtureLab, Fixtures.ROOT.resolve(name));
            check("fixture " + name + " (" + model + ")", fixtureLab, w, h, model, report, v4, List.of(),
                    new Random(name.hashCode()));
        }
    }

    private static void randomHost(long seed) throws Exception {
        RandomHost host = new RandomHost(seed);
        DockerModel model = seed % 4 == 3 ? DockerModel.CLASSIC : DockerModel.CURRENT;
        DiffReport report = new Comparer(host.state, model, host.adminChains).compare();
        try {
            lab.loadRules(host.rules, null);
        } catch (Exception e) {
            throw new AssertionError("host " + seed + ": the generated ruleset does not load (generator bug): " + e
                    + "\n" + host.rules, e);
        }
        List<String> story = new ArrayList<>(host.story);
        story.add("reference " + model + ", admin chains " + host.adminChains);
        check("host " + seed, lab, world, host.state, model, report, host.rules, story, new Random(seed));
    }

    /**
     * A probe and what the report says must happen to it: it reaches dst:dport behind the bridge, or it does not,
     * or (dropped or rejected) it arrives nowhere at all.
     */
    private record Claim(Probe probe, String claim, String bridge, String dst, int dport, boolean reaches,
                         boolean nowhere, Boolean answers) {
        Claim(Probe probe, String claim, String bridge, String dst, int dport, boolean reaches) {
            this(probe, claim, bridge, dst, dport, reaches, false, null);
        }

        boolean holds(Arrival a) {
            boolean there = a instanceof Arrival.Forwarded f && f.outIface().equals(bridge)
                    && f.dst().equals(dst) && f.dport() == dport;
            return reaches ? there : nowhere ? a instanceof Arrival.None : !there;
        }

        String expected() {
            return reaches ? "in " + dst + ":" + dport + " behind " + bridge
                    : nowhere ? "dropped" : "NOT in " + dst + ":" + dport + " behind " + bridge;
        }
    }

    private static void check(String what, KernelLab lab, LabWorld w, HostState h, DockerModel model, DiffReport report,
                              String rules, List<String> story, Random rnd) throws Exception {
        // The report speaks for clients on ephemeral source ports.
        Agreement.Ports ports = new Agreement.Ports(rnd, Comparer.CLIENT_PORTS.first(), Comparer.CLIENT_PORTS.last());
        List<String> bad = new ArrayList<>();
        Map<String, String> classOf = interfaceClasses(h, report, w);
        for (String iface : w.externalNames()) {
            if (classOf.get(iface) == null) {
                bad.add("  the lab's outside interface " + iface + " behaves like none the report judges "
                        + new TreeSet<>(classOf.values()));
            }
        }
        List<Claim> claims = new ArrayList<>();
        for (PortReport p : report.ports()) {
            claims.addAll(portClaims(p, w, classOf, rnd, ports));
        }
        for (Exposure e : report.exposures()) {
            claims.addAll(exposureClaims(e, h, w, classOf, rnd, ports));
        }
        claims.addAll(closedClaims(report, h, w, classOf, model, rnd, ports));
        List<Claim> held = new ArrayList<>();
        for (int i = 0; i < claims.size(); i += 150) {
            List<Claim> batch = claims.subList(i, Math.min(claims.size(), i + 150));
            List<ProbeResult> results = lab.probe(batch.stream().map(Claim::probe).toList());
            for (int j = 0; j < batch.size(); j++) {
                Claim c = batch.get(j);
                Arrival a = results.get(j).arrival();
                if (c.holds(a)) {
                    held.add(c);
                } else {
                    bad.add("  " + c.claim() + "\n    probe " + Agreement.describe(c.probe()) + "\n    expected "
                            + c.expected() + ", kernel: " + a);
                }
            }
        }
        bad.addAll(connections(lab, w, held, ports));
        if (!bad.isEmpty()) {
            StringBuilder b = new StringBuilder(what + ": " + bad.size() + " of " + claims.size()
                    + " probes contradict the diff report\n");
            bad.stream().limit(15).forEach(s -> b.append(s).append('\n'));
            story.forEach(s -> b.append("  # ").append(s).append('\n'));
            b.append(summary(report)).append("--- iptables-save\n").append(rules);
            fail(b.toString());
        }
        report.ports().forEach(p -> {
            CHECKED.merge("port:" + p.status().id, 1, Integer::sum);
            p.sources().forEach(g -> CHECKED.merge("group:" + g.outcome() + (g.admin() ? "(admin)" : ""), 1,
                    Integer::sum));
        });
        CHECKED.merge("exposures", report.exposures().size(), Integer::sum);
        CHECKED.merge("probes", claims.size(), Integer::sum);
        System.out.println(what + ": " + claims.size() + " probes agree with " + report.ports().size() + " ports ("
                + statuses(report) + ") and " + report.exposures().size() + " exposures");
    }

    /**
     * The reply direction: each group that says the first packet gets in also says whether the container's answer
     * gets out ("accept") or not ("reply-drop", "reply-reject"). Its probes are opened again as real connections
     * the container answers, where the host routes the answer back by the link the probe came in by, and the
     * client must hear the answer exactly when the group says "accept". A silence against "accept" is rechecked
     * once with a long wait. Returns the contradictions.
     */
    private static List<String> connections(KernelLab lab, LabWorld w, List<Claim> claims, Agreement.Ports ports)
            throws Exception {
        List<Claim> tried = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        java.util.Set<String> services = new LinkedHashSet<>();
        for (Claim c : claims) {
            io.cnifix.engine.HostNet.RouteEntry back = c.answers() == null ? null
                    : w.hostNet().route(IpAddress.parse(c.probe().src()));
            if (back == null || !c.probe().hostIface().equals(back.device())) {
                continue;
            }
            Probe p = c.probe();
            tried.add(c);
            probes.add(new Probe(p.id() + "r", p.hostIface(), p.proto(), p.src(), ports.next(p.proto()), p.dst(),
                    p.dport()));
            services.add(p.proto() + "/" + c.dport());
        }
        List<String> bad = new ArrayList<>();
        if (probes.isEmpty()) {
            return bad;
        }
        List<io.cnifix.lab.Answer> answers = lab.connect(probes, services, 40);
        for (int i = 0; i < tried.size(); i++) {
            Claim c = tried.get(i);
            io.cnifix.lab.Answer a = answers.get(i);
            boolean answered = a.answered();
            if (c.answers() && !answered) {
                Probe p = a.probe();
                answered = lab.connect(List.of(new Probe(p.id() + "+", p.hostIface(), p.proto(), p.src(),
                        ports.next(p.proto()), p.dst(), p.dport())), services, 600).get(0).answered();
            }
            CHECKED.merge(c.answers() ? "connections:answered" : "connections:unanswered", 1, Integer::sum);
            if (answered != c.answers()) {
                bad.add("  " + c.claim() + "\n    connection " + Agreement.describe(a.probe()) + "\n    expected "
                        + (c.answers() ? "an answer" : "no answer") + ", kernel: "
                        + (answered ? "answered" : "no answer"));
            }
        }
        return bad;
    }

    /**
     * For each of the lab's outside links, the interface among those the report judges that the rules cannot tell
     * from it (the same answer to every -i pattern in the rules), preferring one the host does not list (the
     * comparer's stand-in for unlisted interfaces, or a wildcard); null when there is none.
     */
    private static Map<String, String> interfaceClasses(HostState h, DiffReport report, LabWorld w) {
        Set<String> judged = new LinkedHashSet<>();
        report.ports().forEach(p -> p.sources().forEach(g -> judged.addAll(g.interfaces())));
        report.exposures().forEach(e -> judged.addAll(e.interfaces()));
        Set<String> patterns = new LinkedHashSet<>();
        for (io.cnifix.model.Ruleset r : h.rulesets()) {
            r.tables().values().forEach(t -> t.chains().values().forEach(c -> c.rules().forEach(rule ->
                    rule.matches().forEach(m -> {
                        if (m instanceof Match.Interface i && i.side() == Side.SOURCE) {
                            patterns.add(i.name());
                        }
                    }))));
        }
        Set<String> listed = new LinkedHashSet<>();
        h.addresses().forEach(a -> listed.add(a.iface()));
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String lab : w.externalNames()) {
            if (judged.contains(lab)) {
                out.put(lab, lab);
                continue;
            }
            List<String> alike = judged.stream().filter(j -> patterns.stream().allMatch(p -> {
                Match.Interface m = new Match.Interface(Side.SOURCE, p, false);
                return m.matches(j) == m.matches(lab);
            })).toList();
            out.put(lab, alike.stream().filter(j -> !listed.contains(j)).findFirst()
                    .orElse(alike.isEmpty() ? null : alike.get(0)));
        }
        return out;
    }

    /** The lab's outside links whose class is among {@code judged}. */
    private static List<String> linksIn(List<String> judged, Map<String, String> classOf) {
        return classOf.entrySet().stream().filter(e -> e.getValue() != null && judged.contains(e.getValue()))
                .map(Map.Entry::getKey).toList();
    }

    /** Each source group of the port, from a few of its sources, by each interface, to each address it names. */
    private static List<Claim> portClaims(PortReport p, LabWorld w, Map<String, String> classOf, Random rnd,
                                          Agreement.Ports ports) {
        List<Claim> out = new ArrayList<>();
        PortMapping m = p.mapping();
        if (p.status() == PortStatus.NOT_EXPOSED || p.status() == PortStatus.UNKNOWN || m.containerIp() == null
                || !m.containerIp().isV4()) {
            return out;
        }
        String bridge = p.bridge();
        for (SourceGroup g : p.sources()) {
            if (g.outcome().equals("unknown")) {
                continue;
            }
            // A probe is the client's first packet: it reaches the container also where only the reply dies.
            boolean reaches = g.outcome().equals("accept") || g.outcome().startsWith("reply-");
            boolean dropped = g.outcome().equals("drop") || g.outcome().equals("reject");
            String claim = m.containerName() + " " + m.protocol() + "/" + m.hostPort() + " is " + p.status().id
                    + "; group " + g.outcome() + (g.admin() ? " (admin)" : "") + " from "
                    + (g.sources() == null ? "every outside source" : g.sources()) + " on " + g.interfaces()
                    + " decided by " + (g.decidedBy() == null ? "-" : g.decidedBy().describe());
            for (String src : sample(g.sources(), w, rnd, 3)) {
                for (String iface : linksIn(g.interfaces(), classOf)) {
                    for (IpAddress d : g.destinations()) {
                        if (!w.usable(iface, src, d.toString())) {
                            continue;
                        }
                        out.add(new Claim(new Probe("port" + out.size(), iface, m.protocol(), src, ports.next(m.protocol()),
                                d.toString(), m.hostPort()), claim, bridge, m.containerIp().toString(),
                                m.containerPort(), reaches, dropped, reaches ? g.outcome().equals("accept") : null));
                    }
                }
            }
        }
        return out;
    }

    /** An exposure's ports (first, last and one inside each range), from a few of its sources, by each interface. */
    private static List<Claim> exposureClaims(Exposure e, HostState h, LabWorld w, Map<String, String> classOf,
                                              Random rnd, Agreement.Ports ports) {
        List<Claim> out = new ArrayList<>();
        if (!e.containerIp().isV4()) {
            return out;
        }
        String bridge = bridgeOf(h, e.containerIp());
        String claim = "exposure " + e.containerIp() + " " + e.protocol() + " " + e.ports() + " from "
                + (e.sources() == null ? "every outside source" : e.sources()) + " on " + e.interfaces()
                + " accepted by " + (e.acceptedBy() == null ? "-" : e.acceptedBy().describe());
        List<String> links = linksIn(e.interfaces(), classOf);
        if (links.isEmpty()) {
            return out;
        }
        for (PortRange r : e.ports()) {
            Set<Integer> sample = new LinkedHashSet<>(List.of(r.first(), r.last(),
                    r.first() + rnd.nextInt(r.last() - r.first() + 1)));
            for (int port : sample) {
                for (String src : sample(e.sources(), w, rnd, 2)) {
                    String iface = links.get(rnd.nextInt(links.size()));
                    if (w.usable(iface, src, e.containerIp().toString())) {
                        out.add(new Claim(new Probe("exp" + out.size(), iface, e.protocol(), src,
                                ports.next(e.protocol()), e.containerIp().toString(), port), claim, bridge,
                                e.containerIp().toString(), port, true));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Straight to each published container: random ports, the published ones and those just outside each exposure
     * range; each must be unreachable unless an exposure covers it (then it must be reachable) or the reference
     * allows it (CLASSIC: a published container port).
     */
    private static List<Claim> closedClaims(DiffReport report, HostState h, LabWorld w, Map<String, String> classOf,
                                            DockerModel model, Random rnd, Agreement.Ports ports) {
        List<Claim> out = new ArrayList<>();
        Set<IpAddress> containers = new LinkedHashSet<>();
        h.mappings().stream().map(PortMapping::containerIp).filter(a -> a != null && a.isV4()).forEach(containers::add);
        for (IpAddress ip : containers) {
            String bridge = bridgeOf(h, ip);
            for (String proto : List.of("tcp", "udp")) {
                Set<Integer> candidates = new LinkedHashSet<>();
                for (int i = 0; i < 5; i++) {
                    candidates.add(1 + rnd.nextInt(65535));
                }
                h.mappings().stream().filter(m -> ip.equals(m.containerIp())).forEach(m -> {
                    candidates.add(m.containerPort());
                    candidates.add(m.hostPort());
                });
                for (Exposure e : report.exposures()) {
                    if (e.containerIp().equals(ip) && e.protocol().equals(proto)) {
                        for (PortRange r : e.ports()) {
                            if (r.first() > 1) {
                                candidates.add(r.first() - 1);
                            }
                            if (r.last() < 65535) {
                                candidates.add(r.last() + 1);
                            }
                        }
                    }
                }
                for (int port : candidates) {
                    String src = ANY_SOURCES.get(rnd.nextInt(ANY_SOURCES.size()));
                    List<String> ifaces = w.externalNames();
                    String iface = ifaces.get(rnd.nextInt(ifaces.size()));
                    if (!w.usable(iface, src, ip.toString())) {
                        continue;
                    }
                    if (classOf.get(iface) == null) {
                        continue;
                    }
                    Exposure covering = covering(report, ip, proto, port, src, classOf.get(iface));
                    boolean allowed = model == DockerModel.CLASSIC && h.mappings().stream().anyMatch(
                            m -> ip.equals(m.containerIp()) && m.protocol().equals(proto) && m.containerPort() == port);
                    if (covering == null && allowed) {
                        continue;
                    }
                    String claim = covering != null ? "straight to " + ip + " " + proto + "/" + port + " is exposed"
                            : "straight to " + ip + " " + proto + "/" + port + " from " + src + " on " + iface
                            + " is in no exposure";
                    out.add(new Claim(new Probe("direct" + out.size(), iface, proto, src, ports.next(proto),
                            ip.toString(), port), claim, bridge, ip.toString(), port, covering != null));
                }
            }
        }
        return out;
    }

    private static Exposure covering(DiffReport report, IpAddress ip, String proto, int port, String src, String iface) {
        IpAddress s = IpAddress.parse(src);
        for (Exposure e : report.exposures()) {
            if (!e.containerIp().equals(ip) || !e.protocol().equals(proto) || !e.interfaces().contains(iface)) {
                continue;
            }
            boolean inPorts = e.ports().stream().anyMatch(r -> r.contains(port));
            boolean inSources = e.sources() == null || e.sources().stream().anyMatch(c -> c.contains(s));
            if (inPorts && inSources) {
                return e;
            }
        }
        return null;
    }

    /**
     * Up to {@code n} sources of a group: its first and last address and one at random inside (or, for every outside
     * source, a few fixed outside addresses), leaving out the lab host's own addresses.
     */
    private static List<String> sample(List<Cidr> sources, LabWorld w, Random rnd, int n) {
        List<String> pool = new ArrayList<>();
        if (sources == null) {
            List<String> any = new ArrayList<>(ANY_SOURCES);
            java.util.Collections.shuffle(any, rnd);
            pool.addAll(any);
        } else {
            List<Cidr> shuffled = new ArrayList<>(sources);
            java.util.Collections.shuffle(shuffled, rnd);
            for (Cidr c : shuffled) {
                pool.add(c.base().toString());
                pool.add(c.last().toString());
                long span = c.prefix() >= 32 ? 1 : 1L << Math.min(31, 32 - c.prefix());
                pool.add(c.base().plus(Math.floorMod(rnd.nextLong(), span)).toString());
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : pool) {
            IpAddress a = IpAddress.parse(s);
            if (out.size() < n && !out.contains(s) && !w.hostOwned.contains(KernelLab.canonicalAddress(s))
                    && a.family() == Family.V4 && !a.isLoopback() && (a.lo() >>> 28) < 0xe && (a.lo() >>> 24) != 0) {
                out.add(s);
            }
        }
        return out;
    }

    private static String bridgeOf(HostState h, IpAddress ip) {
        for (Network n : h.networks()) {
            if (n.bridge() != null && n.contains(ip)) {
                return n.bridge();
            }
        }
        return null;
    }

    private static String statuses(DiffReport r) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        r.ports().forEach(p -> counts.merge(p.status().id, 1, Integer::sum));
        return counts.toString();
    }

    private static String summary(DiffReport r) {
        StringBuilder b = new StringBuilder("--- diff report\n");
        for (PortReport p : r.ports()) {
            b.append("  ").append(p.mapping().containerName()).append(' ').append(p.mapping().protocol()).append('/')
                    .append(p.mapping().hostPort()).append(" -> ").append(p.mapping().containerIp()).append(':')
                    .append(p.mapping().containerPort()).append(": ").append(p.status().id).append(" (").append(p.why())
                    .append(")\n");
            for (SourceGroup g : p.sources()) {
                b.append("      ").append(g.outcome()).append(g.admin() ? " admin" : "").append(" from ")
                        .append(g.sources() == null ? "all" : g.sources()).append(" on ").append(g.interfaces())
                        .append(" to ").append(g.destinations()).append('\n');
            }
        }
        for (Exposure e : r.exposures()) {
            b.append("  exposure ").append(e.containerIp()).append(' ').append(e.protocol()).append(' ')
                    .append(e.ports()).append(" from ").append(e.sources() == null ? "all" : e.sources()).append(" on ")
                    .append(e.interfaces()).append('\n');
        }
        return b.toString();
    }
}
