package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.Fixtures;
import io.cnifix.engine.Decider;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.Verdict;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.Exposure;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.SourceGroup;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The kernel behaviours the lab showed the simulator and the comparer got wrong, pinned without root (each names
 * the random seed or host of {@link SimulatorKernelAgreementTest} / {@link DiffKernelAgreementTest} that found it).
 */
class KernelSemanticsTest {

    private static final LabWorld WORLD = LabWorld.standard();

    private static Trace trace(boolean v6, String nat, String filter, String in, String src, String dst, String proto,
                               int dport) {
        String text = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + ":POSTROUTING ACCEPT [0:0]\n" + nat + "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
                + ":OUTPUT ACCEPT [0:0]\n" + filter + "COMMIT\n";
        Simulator s = new Simulator(IptablesSaveParser.parse(new InputText("t", text), v6 ? Family.V6 : Family.V4),
                WORLD.hostNet());
        return s.trace(Packet.newConnection(in, IpAddress.parse(src), IpAddress.parse(dst),
                Packet.protocolNumber(proto), 40000, dport));
    }

    /** Seeds 12 (IPv6) and 22: a DNAT to loopback is a martian destination after PREROUTING, so dropped. */
    @Test
    void dnatToLoopbackIsDroppedByRouting() {
        Trace v4 = trace(false, "-A PREROUTING -p tcp -j DNAT --to-destination 127.0.0.1:8000\n", "", "eth0",
                "8.8.4.4", "10.88.0.1", "tcp", 9005);
        assertEquals(Verdict.DROP, v4.verdict());
        assertInstanceOf(Decider.ByRouting.class, v4.decidedBy());
        Trace v6 = trace(true, "-A PREROUTING -m addrtype --dst-type LOCAL -j DNAT --to-destination ::1\n", "",
                "eth0", "2001:db8:ff::7", "2001:db8:3::1", "udp", 9010);
        assertEquals(Verdict.DROP, v6.verdict());
        // Sent to 127.0.0.1 from outside without any DNAT: martian too.
        assertEquals(Verdict.DROP, trace(false, "", "", "eth0", "8.8.4.4", "127.0.0.1", "tcp", 80).verdict());
    }

    /** Seeds 13, 21, 30: with /base the port is first + ((port - base) mod 65536) mod size. */
    @Test
    void dnatPortRangeWithBaseMapsByOffset() {
        Trace a = trace(false, "-A PREROUTING -p udp -j DNAT --to-destination 10.88.0.11:8000-8005/30000\n",
                "-A FORWARD -j ACCEPT\n", "eth1", "8.8.4.4", "198.51.100.1", "udp", 9000);
        assertEquals(8004, a.dnatPort());
        Trace b = trace(false, "-A PREROUTING -p udp -j DNAT --to-destination 10.89.0.5:9000-9010/9000\n",
                "-A FORWARD -j ACCEPT\n", "eth1", "10.88.0.99", "10.89.0.5", "udp", 5907);
        assertEquals(9007, b.dnatPort());
    }

    /** Without /base, a port already inside the range is kept (get_unique_tuple); any other becomes the first. */
    @Test
    void dnatPortRangeKeepsAPortInsideIt() {
        String nat = "-A PREROUTING -p tcp -j DNAT --to-destination 10.88.0.11:8000-8010\n";
        assertEquals(8005, trace(false, nat, "", "eth0", "8.8.4.4", "198.51.100.1", "tcp", 8005).dnatPort());
        assertEquals(8000, trace(false, nat, "", "eth0", "8.8.4.4", "198.51.100.1", "tcp", 80).dnatPort());
    }

    /** Seed 135: a DNAT that changes nothing sets no IPS_DST_NAT, so --ctstate DNAT does not match. */
    @Test
    void dnatToTheSameDestinationIsNoDnatState() {
        Trace t = trace(false, "-A PREROUTING -j DNAT --to-destination 10.88.0.11\n",
                "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n", "eth0", "45.33.32.156", "10.88.0.11", "tcp", 22);
        assertEquals(Verdict.DROP, t.verdict());
        assertNull(t.dnatAddress());
    }

    /** Seeds 21 and 90 (IPv6): addrtype's list is a mask that must all hold; a local address is UNICAST too. */
    @Test
    void ipv6AddrtypeListsAreMasks() {
        String drop = "-A FORWARD -m addrtype --dst-type LOCAL,UNICAST -j DROP\n-A FORWARD -j ACCEPT\n";
        assertEquals(Verdict.ACCEPT, trace(true, "", drop, "eth0", "2001:4860::8844", "fd00:88::11", "udp", 53)
                .verdict());
        String nat = "-A PREROUTING -p tcp -m addrtype --src-type ANYCAST,UNICAST -j DNAT --to-destination"
                + " [fd00:88::12]:22\n";
        assertNull(trace(true, nat, "-A FORWARD -j ACCEPT\n", "eth0", "2001:db8:2::55", "fd00:88::11", "tcp", 80)
                .dnatAddress());
        String local = "-A INPUT -m addrtype --dst-type UNICAST -j DROP\n";
        assertEquals(Verdict.DROP, trace(true, "", local, "eth0", "2001:db8:ff::7", "2001:db8:1::1", "tcp", 22)
                .verdict());
    }

    /** A DNAT to an address range picks by a hash of the source: no one answer for a class of packets. */
    @Test
    void dnatToAnAddressRangeIsUnknown() {
        Trace t = trace(false, "-A PREROUTING -p tcp -j DNAT --to-destination 10.88.0.11-10.88.0.12:80\n",
                "-A FORWARD -j ACCEPT\n", "eth0", "8.8.4.4", "198.51.100.1", "tcp", 8080);
        assertEquals(Verdict.UNKNOWN, t.verdict());
    }

    /**
     * "-i e+" used to hang the comparer (every "extN" stand-in matched it), and interfaces the host does not list
     * but a wildcard matches were judged by no class.
     */
    @Test
    void wildcardInterfacesGetAClassOfTheirOwn() {
        HostState h = Fixtures.host("docker20-classic", t -> t.replace("-A DOCKER-USER -j RETURN",
                "-A DOCKER-USER -i e+ -p tcp -m tcp --dport 81 -j DROP\n-A DOCKER-USER -j RETURN"));
        DiffReport r = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> new Comparer(h, DockerModel.CURRENT, Set.of()).compare());
        Set<String> judged = new java.util.TreeSet<>();
        r.ports().forEach(p -> p.sources().forEach(g -> judged.addAll(g.interfaces())));
        assertTrue(judged.contains("e+"), judged::toString);
        assertTrue(judged.stream().anyMatch(i -> !i.startsWith("e")), judged::toString);
    }

    /** Host 372: an accept group must not list eth1 for every source when eth1 rejects some of them. */
    @Test
    void sourceGroupsAreExactProducts() {
        HostState h = Fixtures.host("docker28", t -> t.replace(":DOCKER-USER - [0:0]\n", ":DOCKER-USER - [0:0]\n"
                + "-A DOCKER-USER ! -s 45.0.0.0/8 -j RETURN\n-A DOCKER-USER -i eth1 -j REJECT\n"));
        DiffReport r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
        IpAddress blocked = IpAddress.parse("45.1.2.3");
        for (PortReport p : r.ports()) {
            for (SourceGroup g : p.sources()) {
                if (g.outcome().equals("accept") && g.interfaces().contains("eth1")) {
                    assertFalse(g.sources() == null || g.sources().stream().anyMatch(c -> c.contains(blocked)),
                            () -> p.mapping() + ": " + g);
                }
            }
        }
    }

    /** Hosts 96 and 210: an exposure must not claim a port for sources a rule keeps off that very port. */
    @Test
    void exposuresAreExactProducts() {
        HostState h = Fixtures.host("docker20-classic", t -> t.replace("-A DOCKER-USER -j RETURN",
                "-A DOCKER-USER -s 45.0.0.0/8 -p tcp -m tcp --dport 443 -j DROP\n-A DOCKER-USER -o docker0 -j ACCEPT"));
        DiffReport r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
        IpAddress blocked = IpAddress.parse("45.1.2.3");
        assertFalse(r.exposures().isEmpty());
        for (Exposure e : r.exposures()) {
            if (e.protocol().equals("tcp") && e.ports().stream().anyMatch(p -> p.contains(443))) {
                assertFalse(e.sources() == null || e.sources().stream().anyMatch(c -> c.contains(blocked)),
                        e::toString);
            }
        }
    }
}
