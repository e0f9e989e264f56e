package io.cnifix.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.Verdict;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.RpFilterText;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.lab.ProbeResult;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.MatchFacts;
import io.cnifix.model.Route;
import io.cnifix.model.RpFilter;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rp_filter sysctl against the real kernel: the lab's host namespace gets rp_filter settings (strict, loose,
 * per interface, the larger of all and the interface's), a DNAT in PREROUTING and an unreachable route, and
 * first packets come in from sources whose route back leaves by the interface they came in on, by another one,
 * or by none. cnifix reads the settings as sysctl prints them in that namespace and must give every probe the
 * kernel's fate: forwarded or delivered, or dropped.
 */
class RpfilterSysctlKernelTest {
    private static final String RULES = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            + ":POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.11:80\n"
            + "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
    private static final String UNREACHABLE = "203.0.113.0/24";

    private static LabWorld world;
    private static KernelLab lab;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        world = LabWorld.standard();
        lab = KernelLab.create(world.topology);
        lab.loadRules(RULES, null);
        lab.hostExec(null, "ip", "route", "add", "unreachable", UNREACHABLE);
    }

    @AfterAll
    static void stop() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Sources by where their route back leaves: eth0 (default), eth1, ens3, cni0, and nowhere (unreachable). */
    private static List<Probe> probes() {
        String[][] spec = {
                {"eth0", "8.8.4.4", "198.51.100.1", "8080"}, {"eth0", "192.0.2.77", "198.51.100.1", "8080"},
                {"eth0", "10.88.0.99", "198.51.100.1", "8080"}, {"eth0", "203.0.113.5", "198.51.100.1", "8080"},
                {"eth0", "100.64.0.77", "198.51.100.1", "22"}, {"eth1", "8.8.4.4", "192.0.2.1", "8080"},
                {"eth1", "192.0.2.77", "192.0.2.1", "8080"}, {"eth1", "203.0.113.5", "192.0.2.1", "22"},
                {"eth1", "100.64.0.78", "192.0.2.1", "22"}, {"ens3", "100.64.0.79", "100.64.0.1", "8080"},
                {"ens3", "9.9.9.9", "100.64.0.1", "8080"}, {"ens3", "203.0.113.6", "100.64.0.1", "8080"},
                {"eth1", "2001:db8:1::99", "2001:db8:2::1", "22"},
        };
        List<Probe> out = new ArrayList<>();
        for (String[] s : spec) {
            out.add(new Probe(s[0] + " " + s[1] + " " + s[3], s[0], "tcp", s[1], 0, s[2], Integer.parseInt(s[3])));
        }
        return out;
    }

    /** Sets the values, reads them back as sysctl prints them, and compares every probe; returns the kernel's drops. */
    private static int agree(String... settings) throws Exception {
        lab.hostSysctl(settings);
        String printed = lab.hostExec(null, "sh", "-c", "sysctl -a -r '^net\\.ipv4\\.conf\\..*\\.rp_filter$' 2>/dev/null; true");
        RpFilter rp = RpFilterText.parse(new InputText("sysctl-rp_filter.txt", printed));
        List<Route> routes = new ArrayList<>(world.routes);
        routes.add(new Route(Cidr.parse(UNREACHABLE), "unreachable", null, null, 0, "main"));
        HostNet net = new HostNet(world.addresses, routes, world.networks, List.of(), List.of())
                .withMatchFacts(MatchFacts.NONE.withRpFilter(rp));
        Simulator v4 = new Simulator(IptablesSaveParser.parse(new InputText("rules", RULES), Family.V4), net);
        Simulator v6 = new Simulator(IptablesSaveParser.parse(new InputText("rules", RULES.replace(
                "-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.11:80\n", "")), Family.V6), net);
        int drops = 0;
        List<String> wrong = new ArrayList<>();
        for (ProbeResult r : lab.probe(probes())) {
            Probe p = r.probe();
            IpAddress src = IpAddress.parse(p.src());
            Trace t = (src.isV4() ? v4 : v6).trace(Packet.newConnection(p.hostIface(), src, IpAddress.parse(p.dst()),
                    6, p.sport(), p.dport()));
            boolean kernelPassed = !(r.arrival() instanceof Arrival.None);
            drops += kernelPassed ? 0 : 1;
            if (t.verdict() == Verdict.UNKNOWN || (t.verdict() == Verdict.ACCEPT) != kernelPassed) {
                wrong.add(p.id() + ": kernel " + r.arrival() + ", cnifix " + t.verdict() + " (" + t.decidedBy() + ")");
            } else if (!kernelPassed && src.isV4()) {
                assertTrue(t.decidedBy().toString().contains("rp_filter"), () -> p.id() + ": " + t.decidedBy());
                if (p.dport() == 8080) {
                    // the check is in the routing decision, after PREROUTING: the DNAT was done already
                    assertEquals(IpAddress.parse("10.88.0.11"), t.dnatAddress(), p.id());
                }
            }
        }
        assertEquals(List.of(), wrong, "rp_filter settings " + String.join(" ", settings) + "\n" + printed);
        return drops;
    }

    /** Packets of the DNAT rule: nat PREROUTING sees every new connection to 8080, dropped by rp_filter or not. */
    private static long dnatPackets() throws Exception {
        String out = lab.hostExec(null, "sh", "-c", "iptables -t nat -L PREROUTING -v -x -n | grep DNAT");
        return Long.parseLong(out.strip().split("\\s+")[0]);
    }

    @Test
    void strictEverywhere() throws Exception {
        long before = dnatPackets();
        int drops = agree("net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.eth0.rp_filter=0",
                "net.ipv4.conf.eth1.rp_filter=0", "net.ipv4.conf.ens3.rp_filter=0");
        // eth0: 192.0.2.77, 10.88.0.99, 203.0.113.5, 100.64.0.77; eth1: 8.8.4.4, 203.0.113.5, 100.64.0.78;
        // ens3: 9.9.9.9, 203.0.113.6
        assertEquals(9, drops);
        // 9 probes to 8080, 6 of them dropped by rp_filter: all 9 went through nat PREROUTING first
        assertEquals(9, dnatPackets() - before);
    }

    @Test
    void looseOnOneInterfaceOnly() throws Exception {
        int drops = agree("net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.eth0.rp_filter=0",
                "net.ipv4.conf.eth1.rp_filter=2", "net.ipv4.conf.ens3.rp_filter=0");
        assertEquals(1, drops); // eth1 from the unreachable 203.0.113.5
    }

    /** The kernel takes the larger number, so loose (2) beats strict (1) whichever of all and the interface says it. */
    @Test
    void theLargerOfAllAndTheInterfaceCounts() throws Exception {
        // all loose, eth0 strict: max 2, loose everywhere; only the unreachable sources (eth0, eth1, ens3) drop
        assertEquals(3, agree("net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.eth0.rp_filter=1",
                "net.ipv4.conf.eth1.rp_filter=0", "net.ipv4.conf.ens3.rp_filter=0"));
        // all strict, eth1 loose: eth0 (4) and ens3 (2) strict, eth1 loose (its unreachable source)
        assertEquals(7, agree("net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.eth0.rp_filter=0",
                "net.ipv4.conf.eth1.rp_filter=2", "net.ipv4.conf.ens3.rp_filter=0"));
    }

    @Test
    void offEverywhere() throws Exception {
        assertEquals(0, agree("net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.eth0.rp_filter=0",
                "net.ipv4.conf.eth1.rp_filter=0", "net.ipv4.conf.ens3.rp_filter=0"));
    }
}
