package io.cnifix.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab against the real kernel. Each test loads a complete ruleset, so tests share one lab and stay independent.
 * Layout: eth0 198.51.100.1/24 + 2001:db8:1::1/64 (host default route), eth1 192.0.2.1/24;
 * cni0 10.88.0.1/16 + fd00:88::1/64 with members .11 / ::11; podman0 10.89.0.1/24 with member 10.89.0.5.
 */
@Tag("netns")
class KernelLabTest {

    private static final String ETH0 = "198.51.100.1";
    private static final String ETH0_V6 = "2001:db8:1::1";
    private static final String ETH1 = "192.0.2.1";
    private static final String C1 = "10.88.0.11";
    private static final String C1_V6 = "fd00:88::11";
    private static final String OUTSIDE = "203.0.113.7";
    private static final String OUTSIDE_V6 = "2001:db8:ff::7";

    private static KernelLab lab;
    private static String rootRulesetBefore;

    static LabTopology topology() {
        return new LabTopology(
                List.of(new ExternalLink("eth0", List.of(ETH0 + "/24", ETH0_V6 + "/64"),
                                List.of("198.51.100.2/24", "2001:db8:1::2/64"), true),
                        new ExternalLink("eth1", List.of(ETH1 + "/24"), List.of("192.0.2.2/24"), false)),
                List.of(new BridgeSpec("cni0", List.of("10.88.0.1/16", "fd00:88::1/64"), List.of(C1, C1_V6)),
                        new BridgeSpec("podman0", List.of("10.89.0.1/24"), List.of("10.89.0.5"))));
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        rootRulesetBefore = Cmd.run("nft", "list", "ruleset");
        lab = KernelLab.create(topology());
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab == null) {
            return;
        }
        String name = lab.hostNetns();
        lab.close();
        assertFalse(Cmd.run("ip", "netns", "list").contains(name.substring(0, name.length() - "host".length())));
        assertEquals(rootRulesetBefore, Cmd.run("nft", "list", "ruleset"), "the machine's own ruleset changed");
        assertFalse(Cmd.run("ip", "-o", "link").contains("02:cf:00:00"), "a lab interface is in the root namespace");
    }

    /** An iptables-save text with the given policies and rules (each rule line ends with a newline). */
    static String save(String natRules, String inputPolicy, String forwardPolicy, String filterRules) {
        return "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                + natRules + "COMMIT\n*filter\n:INPUT " + inputPolicy + " [0:0]\n:FORWARD " + forwardPolicy
                + " [0:0]\n:OUTPUT ACCEPT [0:0]\n" + filterRules + "COMMIT\n";
    }

    static Probe tcp(String id, String iface, String src, String dst, int dport) {
        return new Probe(id, iface, "tcp", src, 0, dst, dport);
    }

    static Probe udp(String id, String iface, String src, String dst, int dport) {
        return new Probe(id, iface, "udp", src, 0, dst, dport);
    }

    static Arrival only(Probe p) throws Exception {
        List<ProbeResult> r = lab.probe(List.of(p));
        assertEquals(1, r.size());
        return r.get(0).arrival();
    }

    static void assertForwarded(String out, String dst, int dport, Arrival a) {
        Arrival.Forwarded f = assertInstanceOf(Arrival.Forwarded.class, a, a::toString);
        assertEquals(out, f.outIface(), a::toString);
        assertEquals(dst, f.dst(), a::toString);
        assertEquals(dport, f.dport(), a::toString);
    }

    static void assertLocal(String dst, int dport, Arrival a) {
        Arrival.Local l = assertInstanceOf(Arrival.Local.class, a, a::toString);
        assertEquals(dst, l.dst(), a::toString);
        assertEquals(dport, l.dport(), a::toString);
    }

    static final String DNAT_8080 = "-A PREROUTING -d " + ETH0 + "/32 -p tcp -m tcp --dport 8080 -j DNAT"
            + " --to-destination " + C1 + ":80\n";

    @Test
    void dnatIsForwardedToTheContainerWhenForwardAccepts() throws Exception {
        lab.loadRules(save(DNAT_8080, "ACCEPT", "ACCEPT", ""), null);
        Arrival a = only(tcp("dnat", "eth0", OUTSIDE, ETH0, 8080));
        assertForwarded("cni0", C1, 80, a);
        assertEquals(OUTSIDE, ((Arrival.Forwarded) a).src());
    }

    /** The container answers: the SYN-ACK and the UDP echo come back through the host, un-DNAT'd, to the client. */
    @Test
    void connectionsAreAnsweredOnlyWhereTheReplyIsLetThrough() throws Exception {
        String dnat = DNAT_8080 + "-A PREROUTING -d " + ETH0 + "/32 -p udp -m udp --dport 5353 -j DNAT"
                + " --to-destination " + C1 + ":53\n";
        java.util.Set<String> services = java.util.Set.of("tcp/80", "udp/53");
        List<Probe> probes = List.of(tcp("t", "eth0", OUTSIDE, ETH0, 8080), udp("u", "eth0", OUTSIDE, ETH0, 5353),
                tcp("d", "eth0", OUTSIDE, C1, 80), tcp("v6", "eth0", OUTSIDE_V6, C1_V6, 80));
        lab.loadRules(save(dnat, "ACCEPT", "ACCEPT", ""), save("", "ACCEPT", "ACCEPT", ""));
        for (Answer a : lab.connect(probes, services, 200)) {
            assertTrue(a.answered(), a::toString);
        }
        // Only the first direction is let through: the client never hears back.
        String firstOnly = "-A FORWARD -o cni0 -j ACCEPT\n";
        lab.loadRules(save(dnat, "ACCEPT", "DROP", firstOnly), save("", "ACCEPT", "DROP", firstOnly));
        for (Answer a : lab.connect(probes, services, 50)) {
            assertFalse(a.answered(), a::toString);
        }
        // A return-path accept of the remedy's shape lets the TCP connection's answer out, not the UDP one's.
        String back = firstOnly + "-A FORWARD -s " + C1 + "/32 -i cni0 ! -o cni0 -m conntrack --ctstate"
                + " RELATED,ESTABLISHED --ctproto tcp --ctorigdstport 8080 -j ACCEPT\n";
        lab.loadRules(save(dnat, "ACCEPT", "DROP", back), null);
        List<Answer> r = lab.connect(probes.subList(0, 3), services, 200);
        assertTrue(r.get(0).answered(), r::toString);
        assertFalse(r.get(1).answered(), r::toString);
        assertFalse(r.get(2).answered(), r::toString);
        // Afterwards the containers are silent again and the recorders see first packets as before.
        assertForwarded("cni0", C1, 80, only(tcp("again", "eth0", OUTSIDE, ETH0, 8080)));
    }

    @Test
    void dnatIsDroppedWhenForwardDrops() throws Exception {
        lab.loadRules(save(DNAT_8080, "ACCEPT", "DROP", ""), null);
        assertInstanceOf(Arrival.None.class, only(tcp("dnat", "eth0", OUTSIDE, ETH0, 8080)));
    }

    @Test
    void directProbeToAContainerFollowsTheForwardPolicy() throws Exception {
        lab.loadRules(save("", "ACCEPT", "ACCEPT", ""), null);
        assertForwarded("cni0", C1, 80, only(tcp("direct", "eth0", OUTSIDE, C1, 80)));
        assertForwarded("podman0", "10.89.0.5", 80, only(tcp("direct2", "eth0", OUTSIDE, "10.89.0.5", 80)));
        lab.loadRules(save("", "ACCEPT", "DROP", ""), null);
        assertInstanceOf(Arrival.None.class, only(tcp("direct", "eth0", OUTSIDE, C1, 80)));
    }

    @Test
    void probeToTheHostIsLocalUnlessInputDrops() throws Exception {
        lab.loadRules(save(DNAT_8080, "ACCEPT", "ACCEPT", ""), null);
        assertLocal(ETH0, 9999, only(tcp("local", "eth0", OUTSIDE, ETH0, 9999)));
        assertLocal("10.88.0.1", 22, only(tcp("gateway", "eth0", OUTSIDE, "10.88.0.1", 22)));
        lab.loadRules(save(DNAT_8080, "DROP", "ACCEPT", ""), null);
        assertInstanceOf(Arrival.None.class, only(tcp("local", "eth0", OUTSIDE, ETH0, 9999)));
        assertForwarded("cni0", C1, 80, only(tcp("dnat", "eth0", OUTSIDE, ETH0, 8080)));
    }

    @Test
    void udpLikewise() throws Exception {
        String dnat = "-A PREROUTING -p udp -m udp --dport 5353 -j DNAT --to-destination " + C1 + ":53\n";
        lab.loadRules(save(dnat, "ACCEPT", "ACCEPT", ""), null);
        List<ProbeResult> r = lab.probe(List.of(udp("fwd", "eth0", OUTSIDE, ETH0, 5353),
                udp("local", "eth0", OUTSIDE, ETH0, 53), tcp("tcp-not-udp", "eth0", OUTSIDE, ETH0, 5353)));
        assertForwarded("cni0", C1, 53, r.get(0).arrival());
        assertLocal(ETH0, 53, r.get(1).arrival());
        assertLocal(ETH0, 5353, r.get(2).arrival());
        lab.loadRules(save(dnat, "DROP", "DROP", ""), null);
        r = lab.probe(List.of(udp("fwd", "eth0", OUTSIDE, ETH0, 5353), udp("local", "eth0", OUTSIDE, ETH0, 53)));
        assertInstanceOf(Arrival.None.class, r.get(0).arrival());
        assertInstanceOf(Arrival.None.class, r.get(1).arrival());
    }

    @Test
    void ipv6WithIp6tables() throws Exception {
        String dnat6 = "-A PREROUTING -d " + ETH0_V6 + "/128 -p tcp -m tcp --dport 8080 -j DNAT --to-destination ["
                + C1_V6 + "]:80\n";
        lab.loadRules(save("", "ACCEPT", "ACCEPT", ""), save(dnat6, "ACCEPT", "ACCEPT", ""));
        List<ProbeResult> r = lab.probe(List.of(tcp("dnat6", "eth0", OUTSIDE_V6, ETH0_V6, 8080),
                tcp("direct6", "eth0", OUTSIDE_V6, C1_V6, 443), udp("local6", "eth0", OUTSIDE_V6, ETH0_V6, 53),
                tcp("v4", "eth0", OUTSIDE, ETH0, 8080)));
        assertForwarded("cni0", C1_V6, 80, r.get(0).arrival());
        assertForwarded("cni0", C1_V6, 443, r.get(1).arrival());
        assertLocal(ETH0_V6, 53, r.get(2).arrival());
        assertLocal(ETH0, 8080, r.get(3).arrival()); // the v6 DNAT must not touch IPv4
        // INPUT DROP without an ICMPv6 exception: permanent neighbours keep ND out of the picture.
        lab.loadRules(save("", "ACCEPT", "ACCEPT", ""), save(dnat6, "DROP", "DROP", ""));
        r = lab.probe(List.of(tcp("dnat6", "eth0", OUTSIDE_V6, ETH0_V6, 8080),
                udp("local6", "eth0", OUTSIDE_V6, ETH0_V6, 53), tcp("v4", "eth0", OUTSIDE, C1, 80)));
        assertInstanceOf(Arrival.None.class, r.get(0).arrival());
        assertInstanceOf(Arrival.None.class, r.get(1).arrival());
        assertForwarded("cni0", C1, 80, r.get(2).arrival());
    }

    @Test
    void interfaceMatchesSeeTheLinkAProbeEntersBy() throws Exception {
        lab.loadRules(save("", "ACCEPT", "DROP", "-A INPUT -i eth0 -p tcp -j DROP\n"
                + "-A FORWARD -i eth1 -o cni0 -j ACCEPT\n-A FORWARD -i eth0 -o podman0 -j ACCEPT\n"), null);
        List<ProbeResult> r = lab.probe(List.of(
                tcp("eth1-cni0", "eth1", OUTSIDE, C1, 80), tcp("eth0-cni0", "eth0", OUTSIDE, C1, 80),
                tcp("eth0-podman0", "eth0", OUTSIDE, "10.89.0.5", 80),
                tcp("eth1-podman0", "eth1", OUTSIDE, "10.89.0.5", 80),
                tcp("eth0-local", "eth0", OUTSIDE, ETH0, 22), tcp("eth1-local", "eth1", OUTSIDE, ETH0, 22)));
        assertForwarded("cni0", C1, 80, r.get(0).arrival());
        assertInstanceOf(Arrival.None.class, r.get(1).arrival());
        assertForwarded("podman0", "10.89.0.5", 80, r.get(2).arrival());
        assertInstanceOf(Arrival.None.class, r.get(3).arrival());
        assertInstanceOf(Arrival.None.class, r.get(4).arrival());
        assertLocal(ETH0, 22, r.get(5).arrival());
    }

    @Test
    void routedOutOfAnExternalLinkIsForwardedThere() throws Exception {
        lab.loadRules(save("-A PREROUTING -i eth1 -p tcp --dport 8443 -j DNAT --to-destination 192.0.2.2:443\n",
                "ACCEPT", "ACCEPT", ""), null);
        List<ProbeResult> r = lab.probe(List.of(tcp("default-route", "eth1", OUTSIDE, "8.8.8.8", 53),
                tcp("hairpin", "eth1", OUTSIDE, ETH1, 8443)));
        assertForwarded("eth0", "8.8.8.8", 53, r.get(0).arrival());
        assertForwarded("eth1", "192.0.2.2", 443, r.get(1).arrival());
    }

    @Test
    void masqueradeThatRewritesThePortIsStillAttributed() throws Exception {
        lab.loadRules(save(DNAT_8080 + "-A POSTROUTING -o cni0 -p tcp -j MASQUERADE --to-ports 30000-30009\n",
                "ACCEPT", "ACCEPT", ""), null);
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            probes.add(new Probe("m" + i, "eth0", "tcp", OUTSIDE, 41000 + i, ETH0, 8080));
        }
        for (ProbeResult r : lab.probe(probes)) {
            assertForwarded("cni0", C1, 80, r.arrival());
            Arrival.Forwarded f = (Arrival.Forwarded) r.arrival();
            assertEquals("10.88.0.1", f.src());
            assertTrue(f.sport() >= 30000 && f.sport() <= 30009, f::toString);
        }
    }

    @Test
    void loadRulesReplacesEverythingAndForgetsOldFlows() throws Exception {
        Probe same = new Probe("same", "eth0", "tcp", OUTSIDE, 45000, ETH0, 8080);
        lab.loadRules(save(DNAT_8080, "ACCEPT", "ACCEPT", ""), save("", "DROP", "DROP", ""));
        lab.hostExec("table inet stray {\n chain c { type filter hook forward priority 0; policy drop; }\n}\n",
                "nft", "-f", "-");
        assertInstanceOf(Arrival.None.class, only(same));
        lab.loadRules(save(DNAT_8080, "ACCEPT", "ACCEPT", ""), null);
        assertEquals(List.of("table inet cfxlab", "table ip nat", "table ip filter"),
                lab.hostExec(null, "nft", "list", "tables").lines().map(l -> l.replaceAll("#.*", "").strip())
                        .toList());
        assertForwarded("cni0", C1, 80, only(same));
        assertTrue(conntrackCount() > 0);
        // No *nat section this time: the old DNAT must be gone, and so must the conntrack entry of "same".
        lab.loadRules("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", null);
        assertLocal(ETH0, 8080, only(same));
        assertFalse(lab.hostExec(null, "iptables-save").contains("DNAT"));
        lab.loadRules(null, null);
        assertEquals(0, conntrackCountAfterFlush());
        assertEquals("table inet cfxlab", lab.hostExec(null, "nft", "list", "tables").strip());
    }

    static int conntrackCount() throws Exception {
        return Integer.parseInt(lab.hostExec(null, "cat", "/proc/sys/net/netfilter/nf_conntrack_count").strip());
    }

    /** Entries are freed once the last packet holding one is gone, so the count may lag a flush a little. */
    static int conntrackCountAfterFlush() throws Exception {
        int n = conntrackCount();
        for (int i = 0; i < 50 && n != 0; i++) {
            Thread.sleep(20);
            n = conntrackCount();
        }
        return n;
    }

    @Test
    void untrackedAndStatefulRulesAreSeenAsTheKernelSeesThem() throws Exception {
        String raw = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A PREROUTING -p udp -m udp --dport 53 -j NOTRACK\nCOMMIT\n";
        lab.loadRules(raw + save("", "DROP", "DROP", "-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT\n"
                + "-A FORWARD -m conntrack --ctstate NEW -p tcp --dport 80 -j ACCEPT\n"), null);
        List<ProbeResult> r = lab.probe(List.of(udp("untracked", "eth0", OUTSIDE, ETH0, 53),
                udp("tracked", "eth0", OUTSIDE, ETH0, 54), tcp("new", "eth0", OUTSIDE, C1, 80),
                tcp("new-other-port", "eth0", OUTSIDE, C1, 81)));
        assertLocal(ETH0, 53, r.get(0).arrival());
        assertInstanceOf(Arrival.None.class, r.get(1).arrival());
        assertForwarded("cni0", C1, 80, r.get(2).arrival());
        assertInstanceOf(Arrival.None.class, r.get(3).arrival());
    }

    @Test
    void netlinkReadsWhatNftPrints() throws Exception {
        lab.loadRules(save(DNAT_8080 + "-A POSTROUTING -o cni0 -p tcp -j MASQUERADE --to-ports 30000-30009\n",
                "ACCEPT", "ACCEPT", ""), save("", "ACCEPT", "ACCEPT", ""));
        lab.probe(List.of(tcp("masq", "eth0", OUTSIDE, ETH0, 8080), udp("local", "eth1", OUTSIDE, ETH1, 53),
                tcp("v6", "eth0", OUTSIDE_V6, C1_V6, 80), udp("v6-local", "eth0", OUTSIDE_V6, ETH0_V6, 53),
                tcp("out", "eth0", OUTSIDE, "8.8.8.8", 443), tcp("podman", "eth1", OUTSIDE, "10.89.0.5", 80)), true);
        Records viaNetlink = lab.readRecords();
        assertEquals(6, viaNetlink.seen().size(), viaNetlink::toString);
        assertTrue(viaNetlink.maps().stream().anyMatch(m -> m.sport() != m.originalSport()), viaNetlink::toString);
        assertEquals(lab.readRecordsWithNft(), viaNetlink);
    }

    @Test
    void dnatToLoopbackNeedsRouteLocalnet() throws Exception {
        lab.loadRules(save("-A PREROUTING -p tcp --dport 8081 -j DNAT --to-destination 127.0.0.1:80\n",
                "ACCEPT", "ACCEPT", ""), null);
        assertInstanceOf(Arrival.None.class, only(tcp("lo", "eth0", OUTSIDE, ETH0, 8081)));
        // The machine has an eth0 of its own: its setting must not move.
        Path rootSetting = Path.of("/proc/sys/net/ipv4/conf/eth0/route_localnet");
        String rootBefore = Files.exists(rootSetting) ? Files.readString(rootSetting) : "";
        lab.hostSysctl("net.ipv4.conf.eth0.route_localnet=1");
        try {
            assertEquals("1", lab.hostExec(null, "cat", rootSetting.toString()).strip());
            assertEquals(rootBefore, Files.exists(rootSetting) ? Files.readString(rootSetting) : "");
            assertLocal("127.0.0.1", 80, only(tcp("lo", "eth0", OUTSIDE, ETH0, 8081)));
        } finally {
            lab.hostSysctl("net.ipv4.conf.eth0.route_localnet=0");
        }
    }

    @Test
    void manyProbesPerRulesetStayFast() throws Exception {
        int rulesets = 10;
        long start = System.nanoTime();
        for (int i = 0; i < rulesets; i++) {
            lab.loadRules(save(DNAT_8080, "ACCEPT", i % 2 == 0 ? "ACCEPT" : "DROP", ""), null);
            List<Probe> probes = new ArrayList<>();
            for (int j = 0; j < 20; j++) {
                probes.add(j % 2 == 0 ? tcp("p" + j, "eth0", "203.0.113." + (j + 1), ETH0, 8080)
                        : udp("p" + j, "eth1", OUTSIDE, ETH1, 1000 + j));
            }
            for (ProbeResult r : lab.probe(probes)) {
                if (r.probe().proto().equals("udp")) {
                    assertLocal(ETH1, r.probe().dport(), r.arrival());
                } else if (i % 2 == 0) {
                    assertForwarded("cni0", C1, 80, r.arrival());
                } else {
                    assertInstanceOf(Arrival.None.class, r.arrival());
                }
            }
        }
        long perRuleset = (System.nanoTime() - start) / 1_000_000 / rulesets;
        System.out.println("kernel lab: " + perRuleset + " ms per ruleset (loadRules + 20 probes + read back)");
        assertTrue(perRuleset < 1000, () -> perRuleset + " ms per ruleset");
    }

    @Test
    void closeRemovesEveryNamespace() throws Exception {
        LabTopology small = new LabTopology(
                List.of(new ExternalLink("eth0", List.of("198.51.100.1/24"), List.of("198.51.100.2/24"), true)),
                List.of(new BridgeSpec("docker0", List.of("172.17.0.1/16"), List.of("172.17.0.2"))));
        KernelLab other = KernelLab.create(small);
        String prefix = other.hostNetns().substring(0, other.hostNetns().length() - "host".length());
        assertEquals(3, Cmd.run("ip", "netns", "list").lines().filter(l -> l.startsWith(prefix)).count());
        other.loadRules(save("", "ACCEPT", "ACCEPT", ""), null);
        assertForwarded("docker0", "172.17.0.2", 80,
                other.probe(List.of(tcp("d", "eth0", OUTSIDE, "172.17.0.2", 80))).get(0).arrival());
        other.close();
        other.close();
        assertFalse(Cmd.run("ip", "netns", "list").contains(prefix));
    }
}
