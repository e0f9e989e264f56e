package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.engine.HostNet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Verdict;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IpsetSaveParser;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.lab.BridgeSpec;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.lab.Probe;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.IpSet;
import io.cnifix.model.MatchFacts;
import io.cnifix.model.Route;
import io.cnifix.model.Ruleset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Rulesets of the shapes admins' tools and hands write (ufw run for real, Docker hosts with iprange, rpfilter
 * against spoofing, recent/limit/hashlimit/connlimit, ipsets of every modelled type, fail2ban's ipset action, mac,
 * a hand-written restore file), loaded into the lab's host namespace and probed with real first packets from the
 * interfaces the rules name; each probe's arrival must be what cnifix's trace says. Prints, per ruleset, probes,
 * agreements and the definite share; fails on any definite disagreement.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealWorldRulesetsTest {
    private static final String RES = "/io/cnifix/kernel/realworld/";
    private static final List<String> HOST_DESTS = List.of("198.51.100.1", "192.0.2.1");
    private static final String CONTAINER = "172.17.0.2";
    private static final List<String> HOST_DESTS_V6 = List.of("2001:db8:1::1", "2001:db8:2::1");
    private static final String CONTAINER_V6 = "fd00:17::2";
    private static final List<String> SOURCES_V6 = List.of("2001:db8:1::77", "2001:db8:2::77", "2001:db8:99::7",
            "fd00:17::99");
    /** A route the rpfilter rules can tell apart from the default: 10.99.0.0/16 through eth1. */
    private static final Route EXTRA_ROUTE = new Route(Cidr.parse("10.99.0.0/16"), "unicast", "eth1",
            IpAddress.parse("192.0.2.2"), 0, "main");
    private static final Map<String, String> SUMMARY = new TreeMap<>();

    private static LabWorld world;
    private static KernelLab lab;
    private static int fresh;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        world = new LabWorld(new LabTopology(
                List.of(new ExternalLink("eth0", List.of("198.51.100.1/24", "2001:db8:1::1/64"),
                                List.of("198.51.100.2/24", "2001:db8:1::2/64"), true),
                        new ExternalLink("eth1", List.of("192.0.2.1/24", "2001:db8:2::1/64"),
                                List.of("192.0.2.2/24", "2001:db8:2::2/64"), false)),
                List.of(new BridgeSpec("docker0", List.of("172.17.0.1/16", "fd00:17::1/64"), List.of(CONTAINER, CONTAINER_V6)))));
        lab = KernelLab.create(world.topology);
        lab.hostExec(null, "ip", "route", "add", "10.99.0.0/16", "via", "192.0.2.2", "dev", "eth1");
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
        SUMMARY.forEach((k, v) -> System.out.println("real-world ruleset " + k + ": " + v));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = RealWorldRulesetsTest.class.getResourceAsStream(RES + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static HostNet net(List<IpSet> sets) {
        List<Route> routes = new ArrayList<>(world.routes);
        routes.add(EXTRA_ROUTE);
        return new HostNet(world.addresses, routes, world.networks, List.of(), List.of())
                .withMatchFacts(new MatchFacts(sets, false));
    }

    /** A source no probe has used before in this run: recent lists and connection counts start empty for it. */
    private static String freshSource() {
        fresh++;
        return "100.64." + (fresh / 250) + "." + (1 + fresh % 250);
    }

    /**
     * From each outside link, TCP and UDP, each source to the host's addresses and the container on the ports the
     * rules name and two random ones. With {@code unique}, every probe gets a source of its own besides.
     */
    private static List<Probe> probes(List<String> sources, Set<Integer> ports, boolean unique, Random rnd) {
        return probes(sources, ports, unique, rnd, false, new Agreement.Ports(rnd));
    }

    private static List<Probe> probes(List<String> sources, Set<Integer> ports, boolean unique, Random rnd, boolean v6,
                                      Agreement.Ports sp) {
        Set<Integer> all = new LinkedHashSet<>(ports);
        all.add(1024 + rnd.nextInt(60000));
        all.add(1 + rnd.nextInt(1023));
        List<Probe> out = new ArrayList<>();
        for (String iface : world.externalNames()) {
            for (String proto : List.of("tcp", "udp")) {
                List<String> srcs = new ArrayList<>(sources);
                srcs.add(v6 ? freshSource6() : freshSource());
                for (String src : srcs) {
                    for (String dst : v6 ? concat(HOST_DESTS_V6, List.of(CONTAINER_V6)) : concat(HOST_DESTS, List.of(CONTAINER))) {
                        for (int port : all) {
                            String s = unique ? (v6 ? freshSource6() : freshSource()) : src;
                            if (world.usable(iface, s, dst)) {
                                out.add(new Probe("p" + out.size(), iface, proto, s, sp.next(proto), dst, port));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Destination ports the rules test, ends of ranges and the port after each (at most 12 in all). */
    private static Set<Integer> rulePorts(Ruleset r) {
        Set<Integer> out = new java.util.TreeSet<>();
        for (var t : r.tables().values()) {
            for (var c : t.chains().values()) {
                for (var rule : c.rules()) {
                    for (var m : rule.matches()) {
                        if (m instanceof io.cnifix.model.Match.Ports p) {
                            for (var pc : p.conditions()) {
                                if (pc instanceof io.cnifix.model.Match.PortIs pi) {
                                    out.add(Math.max(1, pi.range().first()));
                                    out.add(Math.min(65535, pi.range().last() + 1));
                                }
                            }
                        } else if (m instanceof io.cnifix.model.Match.Multiport mp) {
                            mp.ports().forEach(pr -> out.add(Math.max(1, pr.first())));
                        }
                    }
                }
            }
        }
        return out.stream().limit(12).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static String freshSource6() {
        fresh++;
        return "2001:db8:ab::" + Integer.toHexString(fresh);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Loads the rules (and sets), probes, and records the figures; fails on a definite disagreement. */
    private static double run(String name, String v4, String ipsetSave, List<String> sources, Set<Integer> ports,
                              boolean unique) throws Exception {
        return run(name, v4, null, ipsetSave, sources, ports, unique);
    }

    /** With {@code v6} rules, IPv6 probes too (from {@link #SOURCES_V6} to the host's and the container's v6 addresses). */
    private static double run(String name, String v4, String v6, String ipsetSave, List<String> sources, Set<Integer> ports,
                              boolean unique) throws Exception {
        List<IpSet> sets = ipsetSave == null ? List.of() : IpsetSaveParser.parse(new InputText(name + "/ipset.save", ipsetSave));
        if (ipsetSave != null) {
            lab.hostExec(ipsetSave, "ipset", "restore", "-exist");
        }
        lab.loadRules(v4, v6);
        Ruleset r4 = IptablesSaveParser.parse(new InputText(name, v4), Family.V4);
        Simulator sim4 = new Simulator(r4, net(sets));
        Simulator sim6 = new Simulator(v6 == null ? Ruleset.empty(Family.V6, "none")
                : IptablesSaveParser.parse(new InputText(name + ".v6", v6), Family.V6), net(sets));
        Random rnd = new Random(name.hashCode());
        Agreement.Ports sp = new Agreement.Ports(rnd);
        // Probe the ports the rules name as well as those the test picked.
        ports = new java.util.TreeSet<>(ports);
        ports.addAll(rulePorts(r4));
        List<Probe> probes = new ArrayList<>(probes(sources, ports, unique, rnd, false, sp));
        if (v6 != null) {
            probes.addAll(probes(SOURCES_V6, ports, unique, rnd, true, sp));
        }
        int agree = 0;
        int definite = 0;
        Set<String> undecided = new java.util.TreeSet<>();
        List<Agreement.Outcome> bad = new ArrayList<>();
        for (int i = 0; i < probes.size(); i += 100) {
            for (Agreement.Outcome o : Agreement.run(lab, sim4, sim6, probes.subList(i, Math.min(probes.size(), i + 100)))) {
                if (o.simulated().verdict() == Verdict.UNKNOWN) {
                    o.simulated().unknownRules().forEach(r -> undecided.add(r.source() + ":" + r.line() + " " + r.text()));
                    continue;
                }
                definite++;
                if (o.agrees()) {
                    agree++;
                } else {
                    bad.add(o);
                }
            }
        }
        double share = probes.isEmpty() ? 0 : (double) definite / probes.size();
        SUMMARY.put(name, probes.size() + " probes, " + agree + " agreements, definite " + definite + " ("
                + Math.round(share * 1000) / 10.0 + "%)" + (undecided.isEmpty() ? "" : "; undecided rules: " + undecided));
        if (!bad.isEmpty()) {
            StringBuilder b = new StringBuilder(name + ": " + bad.size() + " definite disagreements of " + probes.size()
                    + " probes\n--- rules\n" + v4);
            bad.stream().limit(12).forEach(o -> b.append(Agreement.explain(o)));
            fail(b.toString());
        }
        return share;
    }

    @Order(1)
    @Test
    void dockerHostWithIprange() throws Exception {
        double share = run("docker-iprange", resource("docker-iprange.rules"), null,
                List.of("198.51.100.77", "198.51.100.200", "192.0.2.10", "192.0.2.201", "203.0.113.50", "203.0.113.150"),
                Set.of(22, 53, 80), false);
        assertEquals(1.0, share);
    }

    @Order(2)
    @Test
    void rpfilterAgainstSpoofing() throws Exception {
        double share = run("rpfilter", resource("rpfilter.rules"), resource("rpfilter6.rules"), null,
                List.of("198.51.100.77", "192.0.2.77", "10.99.1.1", "172.17.0.99", "203.0.113.7"), Set.of(22, 80), false);
        assertEquals(1.0, share);
    }

    @Order(3)
    @Test
    void recentLimitHashlimitConnlimit() throws Exception {
        double share = run("recent-limits", resource("recent-limits.rules"), null, List.of(),
                Set.of(22, 53, 80, 81, 443, 444, 2222, 8080), true);
        assertEquals(1.0, share);
    }

    @Order(4)
    @Test
    void ipsetsOfEveryModelledType() throws Exception {
        double share = run("ipset", resource("ipset.rules"), resource("ipset.save"),
                List.of("203.0.113.5", "203.0.113.7", "198.18.1.1", "198.18.5.5", "192.0.2.77", "192.0.2.200"),
                Set.of(22, 25, 53, 80, 110, 443, 8443), false);
        assertEquals(1.0, share);
    }

    @Order(5)
    @Test
    void fail2banIpsetAction() throws Exception {
        double share = run("fail2ban-ipset", resource("fail2ban-ipset.rules"), resource("fail2ban-ipset.save"),
                List.of("203.0.113.9", "192.0.2.77", "198.51.100.66", "198.51.100.67"), Set.of(22, 80, 443), false);
        assertEquals(1.0, share);
    }

    @Order(6)
    @Test
    void macSourceLeavesOnlyItsPortUndecided() throws Exception {
        double share = run("mac", resource("mac.rules"), null, List.of("198.51.100.77", "192.0.2.77"),
                Set.of(22, 53, 80), false);
        assertTrue(share > 0.7 && share < 1.0, "only the probes that reach the mac rule are undecided: " + share);
    }

    @Order(7)
    @Test
    void handWrittenRestoreFile() throws Exception {
        double share = run("hand-written", resource("hand-written.rules"), null,
                List.of("198.51.100.77", "203.0.113.7"), Set.of(22, 29, 53, 80, 113, 30000, 60000), false);
        assertEquals(1.0, share);
    }

    /** ufw itself writes the rules, inside the lab namespace with a private copy of its configuration. */
    @Order(8)
    @Test
    void ufwWrittenRuleset() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ufw")), "ufw not installed (scripts/install-deps.sh test)");
        Path dir = Files.createTempDirectory("prs-ufw");
        try {
            copyTree(Path.of("/etc/ufw"), dir.resolve("etc-ufw"));
            Files.writeString(dir.resolve("etc-ufw/sysctl.conf"), "");
            String defaults = Files.readString(Path.of("/etc/default/ufw"))
                    .replaceAll("(?m)^IPT_MODULES=.*$", "IPT_MODULES=\"\"")
                    .replaceAll("(?m)^IPV6=.*$", "IPV6=yes");
            Files.writeString(dir.resolve("default-ufw"), defaults);
            Path script = dir.resolve("ufw-setup.sh");
            Files.writeString(script, resource("ufw-setup.sh"));
            lab.loadRules("", null);
            lab.hostExec(null, "unshare", "-m", "bash", script.toString(), dir.toString());
            String v4 = lab.hostExec(null, "iptables-save");
            String v6 = lab.hostExec(null, "ip6tables-save");
            assertTrue(v4.contains("ufw-user-input") && v6.contains("ufw6-user-input"), "ufw wrote no rules:\n" + v4 + v6);
            double share = run("ufw", v4, v6, null,
                    List.of("198.51.100.77", "192.0.2.77", "192.0.2.200", "203.0.113.7"),
                    Set.of(22, 53, 80, 443, 2222, 8443), false);
            assertEquals(1.0, share);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
