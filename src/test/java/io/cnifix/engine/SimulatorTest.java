package io.cnifix.engine;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Cidr;
import io.cnifix.model.Engine;
import io.cnifix.model.HostAddress;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.Ruleset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class SimulatorTest {
    private static final HostNet NET = new HostNet(
            List.of(new HostAddress("eth0", IpAddress.parse("172.31.80.10"), 20),
                    new HostAddress("lo", IpAddress.parse("127.0.0.1"), 8)),
            List.of(),
            List.of(new Network("podman", Engine.PODMAN, "cni", "cni0", List.of(Cidr.parse("10.88.0.0/16")),
                    List.of(IpAddress.parse("10.88.0.1")), List.of(), null, null, "CNI-ADMIN", false, "test")),
            List.of(), List.of());

    private static final String SEED = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :CNI-HOSTPORT-DNAT - [0:0]
            :CNI-DN-x - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 8080 -j CNI-DN-x
            -A CNI-DN-x -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.11:80
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            :CNI-ADMIN - [0:0]
            :CNI-FORWARD - [0:0]
            -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
            -A FORWARD -j REJECT --reject-with icmp-host-prohibited
            -A CNI-FORWARD -j CNI-ADMIN
            -A CNI-FORWARD -d 10.88.0.11/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A CNI-FORWARD -s 10.88.0.11/32 -j ACCEPT
            COMMIT
            """;

    private static Trace trace(String rules, String src, String dst, String proto, int dport) {
        Ruleset r = IptablesSaveParser.parse(new InputText("t", rules));
        return new Simulator(r, NET).trace(Packet.newConnection("eth0", IpAddress.parse(src), IpAddress.parse(dst),
                Packet.protocolNumber(proto), 40000, dport));
    }

    /**
     * A reply to a MASQUERADEd connection arrives addressed to the bridge's gateway; raw and mangle PREROUTING see
     * that address, and only PREROUTING's NAT (priority -100) turns it back to the client, before FORWARD.
     */
    @Test
    void replyOfAMasqueradedConnectionIsAddressedToTheGatewayUntilNat() {
        String rules = """
                *mangle
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -i cni0 -d %s -j DROP
                COMMIT
                *nat
                :PREROUTING ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                -A POSTROUTING -o cni0 -j MASQUERADE
                COMMIT
                *filter
                :FORWARD ACCEPT [0:0]
                -A FORWARD -i cni0 -d %s -j REJECT
                COMMIT
                """;
        Verdict[] expected = {Verdict.DROP, Verdict.REJECT};
        String[][] addresses = {{"10.88.0.1/32", "192.0.2.99/32"}, {"203.0.113.7/32", "203.0.113.7/32"}};
        for (int i = 0; i < 2; i++) {
            Simulator sim = new Simulator(IptablesSaveParser.parse(new InputText("t",
                    rules.formatted(addresses[i][0], addresses[i][1]))), NET);
            Packet first = Packet.newConnection("eth0", IpAddress.parse("203.0.113.7"), IpAddress.parse("10.88.0.11"),
                    6, 40000, 80);
            Trace t = sim.trace(first);
            assertEquals(Verdict.ACCEPT, t.verdict());
            assertEquals(IpAddress.parse("10.88.0.1"), t.connection().replyDestination());
            assertEquals(40000, t.connection().replyDestinationPort());
            Trace back = sim.traceReply(io.cnifix.engine.compare.Explorer.replyOf(first, t), t.connection(),
                    Simulator.Detail.PATH);
            assertEquals(expected[i], back.verdict(), String.valueOf(back.decidedBy()));
        }
    }

    /** Raw PREROUTING (-300) runs before conntrack (-200): a reply has no entry yet there, so its state is INVALID. */
    @Test
    void replyIsWithoutConntrackInRawPrerouting() {
        String rules = """
                *raw
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -m state ! --state NEW,INVALID -j DROP
                -A PREROUTING -i cni0 -m state --state %s -j DROP
                COMMIT
                *filter
                :FORWARD ACCEPT [0:0]
                COMMIT
                """;
        for (String state : List.of("ESTABLISHED", "INVALID")) {
            Simulator sim = new Simulator(IptablesSaveParser.parse(new InputText("t", rules.formatted(state))), NET);
            Packet first = Packet.newConnection("eth0", IpAddress.parse("203.0.113.7"), IpAddress.parse("10.88.0.11"),
                    17, 40000, 53);
            Trace t = sim.trace(first);
            Trace back = sim.traceReply(io.cnifix.engine.compare.Explorer.replyOf(first, t), t.connection(),
                    Simulator.Detail.PATH);
            assertEquals(state.equals("INVALID") ? Verdict.DROP : Verdict.ACCEPT, back.verdict(), state);
        }
    }

    /**
     * An untracked first packet leaves no conntrack entry: the answer is a new packet, which nat PREROUTING may
     * take elsewhere; and a TCP answer is a SYN-ACK, which "--tcp-flags SYN,ACK ACK" does not match (kernel lab).
     */
    @Test
    void answersOfUntrackedAndTcpConnections() {
        String rules = """
                *raw
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -i eth0 -p udp -j CT --notrack
                COMMIT
                *nat
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -i cni0 -m state --state NEW -j DNAT --to-destination 10.88.0.12
                COMMIT
                *filter
                :FORWARD DROP [0:0]
                -A FORWARD -o cni0 -j ACCEPT
                -A FORWARD -p tcp -m tcp --tcp-flags SYN,ACK ACK -j ACCEPT
                COMMIT
                """;
        Simulator sim = new Simulator(IptablesSaveParser.parse(new InputText("t", rules)), NET);
        for (int proto : new int[] {17, 6}) {
            Packet first = Packet.newConnection("eth0", IpAddress.parse("203.0.113.7"), IpAddress.parse("10.88.0.11"),
                    proto, 40000, 53);
            Trace t = sim.trace(first);
            assertEquals(Verdict.ACCEPT, t.verdict());
            Trace back = sim.traceReply(io.cnifix.engine.compare.Explorer.replyOf(first, t),
                    io.cnifix.engine.compare.Explorer.connectionOf(first, t), Simulator.Detail.PATH);
            if (proto == 17) {
                assertNull(t.connection());
                assertEquals("cni0", back.outInterface(), "the answer is taken back to a container");
            } else {
                assertEquals(Verdict.DROP, back.verdict(), "a SYN-ACK is not a bare ACK");
            }
        }
    }

    @Test
    void seedScenarioIsRejectedAfterDnat() {
        Trace t = trace(SEED, "203.0.113.7", "172.31.80.10", "tcp", 8080);
        assertEquals(Verdict.REJECT, t.verdict());
        assertEquals("10.88.0.11", t.dnatAddress().toString());
        assertEquals(80, t.dnatPort());
        Decider.ByRule by = assertInstanceOf(Decider.ByRule.class, t.decidedBy());
        assertEquals("FORWARD", by.rule().chain());
        assertEquals(2, by.rule().number());
    }

    @Test
    void dockerShapedAcceptOpensOnlyThePublishedPort() {
        String fixed = SEED.replace("-A CNI-FORWARD -d 10.88.0.11/32 -m conntrack",
                "-A CNI-FORWARD -d 10.88.0.11/32 ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -j ACCEPT\n-A CNI-FORWARD -d 10.88.0.11/32 -m conntrack");
        Trace ok = trace(fixed, "203.0.113.7", "172.31.80.10", "tcp", 8080);
        assertEquals(Verdict.ACCEPT, ok.verdict());
        assertEquals("forward", ok.delivery());
        assertEquals("cni0", ok.outInterface());
        Trace direct = trace(fixed, "203.0.113.7", "10.88.0.11", "tcp", 81);
        assertEquals(Verdict.REJECT, direct.verdict());
        assertNull(direct.dnatAddress());
        Trace udp = trace(fixed, "203.0.113.7", "172.31.80.10", "udp", 8080);
        assertEquals("local", udp.delivery());
    }

    @Test
    void policyDecidesWhenNothingMatches() {
        Trace t = trace(SEED.replace("-A FORWARD -j REJECT --reject-with icmp-host-prohibited\n", ""),
                "203.0.113.7", "172.31.80.10", "tcp", 8080);
        assertEquals(Verdict.DROP, t.verdict());
        Decider.ByPolicy p = assertInstanceOf(Decider.ByPolicy.class, t.decidedBy());
        assertEquals("FORWARD", p.chain());
        assertEquals("filter", p.table());
    }

    private static final String GOTO = """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :A - [0:0]
            :B - [0:0]
            -A FORWARD -j A
            -A FORWARD -p tcp -j ACCEPT
            -A A -g B
            -A A -j DROP
            -A B -j RETURN
            COMMIT
            """;

    @Test
    void returnFromGotoReturnsToTheCallerOfTheJumpingChain() {
        // B was reached by goto from A, so its RETURN resumes FORWARD after "-j A", skipping A's DROP.
        Trace t = trace(GOTO, "203.0.113.7", "10.88.0.11", "tcp", 80);
        assertEquals(Verdict.ACCEPT, t.verdict());
    }

    @Test
    void undecidableRuleIsExploredBothWays() {
        String same = """
                *filter
                :FORWARD DROP [0:0]
                -A FORWARD -m mac --mac-source 02:00:5e:00:53:01 -j LOG
                -A FORWARD -p tcp -j ACCEPT
                COMMIT
                """;
        Trace t = trace(same, "203.0.113.7", "10.88.0.11", "tcp", 80);
        assertEquals(Verdict.ACCEPT, t.verdict());
        assertEquals(1, t.unknownRules().size());
        String differ = same.replace("-j LOG", "-j DROP");
        Trace u = trace(differ, "203.0.113.7", "10.88.0.11", "tcp", 80);
        assertEquals(Verdict.UNKNOWN, u.verdict());
        assertEquals(3, u.unknownRules().get(0).line());
    }

    @Test
    void notrackSkipsNatAndMatchesUntracked() {
        String rules = """
                *raw
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -p tcp -m tcp --dport 8080 -j CT --notrack
                COMMIT
                *nat
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.11:80
                COMMIT
                *filter
                :INPUT DROP [0:0]
                -A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT
                COMMIT
                """;
        Trace t = trace(rules, "203.0.113.7", "172.31.80.10", "tcp", 8080);
        assertEquals(Verdict.ACCEPT, t.verdict());
        assertEquals("local", t.delivery());
        assertNull(t.dnatAddress());
    }

    @Test
    void marksSetEarlierAreSeenLater() {
        String rules = """
                *mangle
                :PREROUTING ACCEPT [0:0]
                -A PREROUTING -s 203.0.113.0/24 -j MARK --set-xmark 0x10/0xff
                COMMIT
                *filter
                :FORWARD DROP [0:0]
                -A FORWARD -m mark --mark 0x10/0xf0 -j ACCEPT
                COMMIT
                """;
        assertEquals(Verdict.ACCEPT, trace(rules, "203.0.113.7", "10.88.0.11", "tcp", 80).verdict());
        assertEquals(Verdict.DROP, trace(rules, "198.51.100.7", "10.88.0.11", "tcp", 80).verdict());
    }

    @Test
    void conntrackOriginalDestinationAfterDnat() {
        String rules = SEED.replace("-A CNI-FORWARD -j CNI-ADMIN",
                "-A CNI-FORWARD -j CNI-ADMIN\n-A CNI-FORWARD -m conntrack --ctstate DNAT --ctorigdst 172.31.80.10/32 --ctorigdstport 8080 --ctdir ORIGINAL -j ACCEPT");
        assertEquals(Verdict.ACCEPT, trace(rules, "203.0.113.7", "172.31.80.10", "tcp", 8080).verdict());
        assertEquals(Verdict.REJECT, trace(rules, "203.0.113.7", "10.88.0.11", "tcp", 80).verdict());
    }

    @Test
    void noRouteIsADrop() {
        Trace t = trace(SEED, "203.0.113.7", "192.0.2.55", "tcp", 80);
        assertEquals(Verdict.DROP, t.verdict());
        assertInstanceOf(Decider.ByRouting.class, t.decidedBy());
    }
}
