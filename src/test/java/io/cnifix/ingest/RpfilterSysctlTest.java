package io.cnifix.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.engine.Decider;
import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.Verdict;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.SourceGroup;
import io.cnifix.model.Cidr;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.MatchFacts;
import io.cnifix.model.Route;
import io.cnifix.model.RpFilter;
import io.cnifix.system.LiveHost;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.StateFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rp_filter sysctl: its text, the live reader, the snapshot file, and the routing decision that applies it. */
class RpfilterSysctlTest {

    @TempDir
    Path tmp;

    @Test
    void textRoundTripsAndTheKernelTakesTheLargerValue() {
        String text = RpFilterText.format(1, 2, Map.of("eth0.100", 0));
        assertEquals("net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.default.rp_filter = 2\n"
                + "net.ipv4.conf.eth0/100.rp_filter = 0\n", text);
        RpFilter rp = RpFilterText.parse(new InputText("x", text));
        assertEquals(Map.of("eth0.100", 0), rp.interfaces());
        assertEquals(1, rp.effective("eth0.100"));
        assertEquals(2, rp.effective("eth9"), "an interface not listed has the default");
        assertEquals(2, new RpFilter(2, 0, Map.of("eth0", 1), "x").effective("eth0"), "loose (2) beats strict (1)");
        assertEquals(0, new RpFilter(null, null, Map.of(), "x").effective("eth0"));
        assertTrue(RpFilterText.looksLike(new InputText("snap/sysctl-rp_filter.txt", "")));
        assertTrue(RpFilterText.looksLike(new InputText("f", "# c\n" + text)));
        assertFalse(RpFilterText.looksLike(new InputText("f", "*filter\n")));
    }

    @Test
    void badLinesNameTheirLine() {
        InputException e = assertThrows(InputException.class, () -> RpFilterText.parse(new InputText("f",
                "net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.eth0.rp_filter = 3\n")));
        assertEquals(2, e.line());
        assertThrows(InputException.class, () -> RpFilterText.parse(new InputText("f", "net.ipv4.ip_forward = 1\n")));
    }

    private static Path conf(Path root, String name, String value) throws IOException {
        Path d = Files.createDirectories(root.resolve(name));
        Files.writeString(d.resolve("rp_filter"), value + "\n");
        return d;
    }

    @Test
    void liveHostReadsEveryInterfaceOfItsNamespace() throws IOException {
        Path root = tmp.resolve("conf");
        conf(root, "all", "1");
        conf(root, "default", "0");
        conf(root, "eth0", "2");
        conf(root, "lo", "0");
        List<String> notes = new ArrayList<>();
        LiveHost live = new LiveHost(new ProcessRunner(), root);
        InputText t = live.rpFilterText(notes);
        assertEquals(List.of(), notes);
        RpFilter rp = RpFilterText.parse(t);
        assertEquals(1, rp.all());
        assertEquals(0, rp.defaults());
        assertEquals(Map.of("eth0", 2, "lo", 0), rp.interfaces());
        assertNull(new LiveHost(new ProcessRunner(), tmp.resolve("none")).rpFilterText(notes));
        assertEquals(1, notes.size());
        // this test's own namespace, as the kernel shows it: all and default are always there
        InputText real = new LiveHost(new ProcessRunner()).rpFilterText(notes);
        assertNotNull(RpFilterText.parse(real).all());
    }

    @Test
    void aSnapshotCarriesItIntoTheHost() throws IOException {
        Path snap = tmp.resolve("snap");
        Files.createDirectories(snap);
        Files.writeString(snap.resolve(StateFiles.RULES_V4), "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
                + ":OUTPUT ACCEPT [0:0]\nCOMMIT\n");
        Files.writeString(snap.resolve(StateFiles.RP_FILTER), "net.ipv4.conf.all.rp_filter = 2\n");
        HostState h = HostStateBuilder.build(new StateFiles(System.in).snapshot(snap));
        assertEquals(1, h.rulesets().size(), "the sysctl text is no rules dump");
        assertEquals(2, h.matchFacts().rpFilter().effective("eth0"));
        Files.delete(snap.resolve(StateFiles.RP_FILTER));
        assertNull(HostStateBuilder.build(new StateFiles(System.in).snapshot(snap)).matchFacts().rpFilter());
    }

    private static final String RULES = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            + ":POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80\n"
            + "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

    private static HostNet net(RpFilter rp) {
        List<HostAddress> addrs = List.of(new HostAddress("eth0", IpAddress.parse("198.51.100.1"), 24),
                new HostAddress("eth1", IpAddress.parse("192.0.2.1"), 24),
                new HostAddress("cni0", IpAddress.parse("10.88.0.1"), 16));
        List<Route> routes = List.of(new Route(Cidr.parse("0.0.0.0/0"), "unicast", "eth0", IpAddress.parse("198.51.100.254"), 0, "main"),
                new Route(Cidr.parse("203.0.113.0/24"), "blackhole", null, null, 0, "main"));
        return new HostNet(addrs, routes, List.of(), List.of(), List.of()).withMatchFacts(MatchFacts.NONE.withRpFilter(rp));
    }

    private static Trace trace(RpFilter rp, String in, String src, int port) {
        Simulator s = new Simulator(IptablesSaveParser.parse(new InputText("r", RULES), io.cnifix.model.Family.V4), net(rp));
        return s.trace(Packet.newConnection(in, IpAddress.parse(src), IpAddress.parse("198.51.100.1"), 6, 40000, port));
    }

    @Test
    void strictWantsTheRouteBackByTheSameInterfaceLooseAnyRoute() {
        RpFilter strict = new RpFilter(1, 1, Map.of(), "t");
        RpFilter loose = new RpFilter(0, 0, Map.of("eth1", 2), "t");
        assertEquals(Verdict.ACCEPT, trace(strict, "eth0", "8.8.8.8", 8080).verdict());
        Trace spoofed = trace(strict, "eth0", "192.0.2.9", 8080);
        assertEquals(Verdict.DROP, spoofed.verdict());
        assertTrue(spoofed.decidedBy() instanceof Decider.ByRouting);
        assertTrue(spoofed.decidedBy().toString().contains("rp_filter 1 (strict) on eth0"), spoofed.decidedBy()::toString);
        assertEquals(IpAddress.parse("10.88.0.2"), spoofed.dnatAddress(), "checked after PREROUTING's DNAT");
        assertEquals(Verdict.DROP, trace(strict, "eth1", "8.8.8.8", 22).verdict(), "local delivery is checked too");
        assertEquals(Verdict.ACCEPT, trace(loose, "eth1", "8.8.8.8", 8080).verdict());
        assertEquals(Verdict.DROP, trace(loose, "eth1", "203.0.113.7", 8080).verdict(), "a blackhole is no route back");
        assertEquals(Verdict.ACCEPT, trace(loose, "eth0", "203.0.113.7", 8080).verdict(), "eth0 is not checked");
        assertEquals(Verdict.ACCEPT, trace(null, "eth0", "192.0.2.9", 8080).verdict(), "not read: not modelled");
    }

    /** The comparer keeps interfaces apart and cuts sources at routes, so each class gets its own fate. */
    @Test
    void diffSplitsSourcesAndInterfacesByTheRouteBack() {
        HostState h = HostStateBuilder.build(new StateSources(List.of(new InputText("iptables-save", RULES)), List.of(
                new InputText("ports.json", "[{\"Id\":\"a1\",\"Names\":[\"web\"],\"Ports\":[{\"host_ip\":\"\",\"host_port\":8080,"
                        + "\"container_port\":80,\"protocol\":\"tcp\",\"range\":1}]}]")),
                List.of(), List.of(), List.of(), List.of()));
        List<HostAddress> addrs = List.of(new HostAddress("eth0", IpAddress.parse("198.51.100.1"), 24),
                new HostAddress("eth1", IpAddress.parse("192.0.2.1"), 24));
        List<Route> routes = List.of(new Route(Cidr.parse("0.0.0.0/0"), "unicast", "eth0", IpAddress.parse("198.51.100.254"), 0, "main"));
        List<io.cnifix.model.PortMapping> maps = new ArrayList<>();
        for (io.cnifix.model.PortMapping m : h.mappings()) {
            maps.add(m.withContainerIp(IpAddress.parse("10.88.0.2"), null));
        }
        HostState host = new HostState(h.rulesets(), h.networks(), h.containers(), maps, addrs, routes, List.of())
                .withMatchFacts(MatchFacts.NONE.withRpFilter(new RpFilter(1, 1, Map.of(), "t")));
        DiffReport r = new Comparer(host, DockerModel.CURRENT, Set.of()).compare();
        PortReport p = r.ports().get(0);
        boolean eth0Accepts = false;
        boolean eth1Dropped = false;
        for (SourceGroup g : p.sources()) {
            if (g.interfaces().contains("eth0") && g.outcome().equals("accept")) {
                eth0Accepts = true;
            }
            if (g.interfaces().contains("eth1") && g.outcome().equals("drop") && g.decidedBy().toString().contains("rp_filter")) {
                eth1Dropped = true;
            }
            assertFalse(g.interfaces().contains("eth0") && g.interfaces().contains("eth1"), g::toString);
        }
        assertTrue(eth0Accepts, p.sources()::toString);
        assertTrue(eth1Dropped, p.sources()::toString);
    }
}
