package io.cnifix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.model.Cidr;
import io.cnifix.model.Engine;
import io.cnifix.model.HostAddress;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.Ruleset;
import io.cnifix.model.nft.NftTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's rules of the road on real {@code nft -j list ruleset} output: each ruleset is loaded with
 * {@code nft -f} into a network namespace this test makes (and removes), read back as JSON and simulated beside an
 * iptables dump.
 */
@Tag("netns")
class NftPipelineTest {
    private static final String NS = "nfe-" + ProcessHandle.current().pid() + "-" + ThreadLocalRandom.current().nextInt(100000);
    private static final HostNet NET = new HostNet(
            List.of(new HostAddress("eth0", IpAddress.parse("198.51.100.1"), 24),
                    new HostAddress("lo", IpAddress.parse("127.0.0.1"), 8)),
            List.of(),
            List.of(new Network("podman", Engine.PODMAN, "netavark", "podman0", List.of(Cidr.parse("10.88.0.0/16")),
                    List.of(IpAddress.parse("10.88.0.1")), List.of(), null, null, null, false, "test")),
            List.of(), List.of());
    private static final String IPT_ACCEPT = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
    private static boolean ready;

    @BeforeAll
    static void namespace() throws Exception {
        ready = run(null, "ip", "netns", "add", NS) == 0;
    }

    @AfterAll
    static void remove() throws Exception {
        if (ready) {
            run(null, "ip", "netns", "del", NS);
        }
    }

    private static int run(String stdin, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** Loads {@code nft} (after flushing the namespace's ruleset) and returns what nft -j lists. */
    private static List<NftTable> load(String nft) throws Exception {
        assumeTrue(ready, "cannot make a network namespace (not root?)");
        // One-line blocks need a semicolon before each closing brace in nft 1.0.6.
        String script = "flush ruleset\n" + nft.replace(" }", "; }");
        assertEquals(0, run(script, "ip", "netns", "exec", NS, "nft", "-f", "-"), script);
        Process p = new ProcessBuilder("ip", "netns", "exec", NS, "nft", "-j", "list", "ruleset").start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        return NftReader.read(new InputText("nft -j list ruleset", json));
    }

    private static Simulator sim(String iptables, List<NftTable> nft) {
        Ruleset r = IptablesSaveParser.parse(new InputText("iptables-save", iptables));
        return new Simulator(r, nft, NET);
    }

    private static Packet toHostPort(int port) {
        return Packet.newConnection("eth0", IpAddress.parse("203.0.113.7"), IpAddress.parse("198.51.100.1"), 6, 40000, port);
    }

    @Test
    void anAcceptEndsOnlyItsOwnBaseChain() throws Exception {
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 0; policy accept; ip daddr 10.88.0.2 accept } }
                table inet b { chain filt { type filter hook forward priority 5; policy drop; } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        Trace t = sim(IPT_ACCEPT, nft).trace(toHostPort(8080));
        assertEquals(Verdict.DROP, t.verdict());
        Decider.ByNftPolicy p = assertInstanceOf(Decider.ByNftPolicy.class, t.decidedBy());
        assertEquals("inet b", p.table());
        assertEquals(5, p.priority());
    }

    @Test
    void aDnatDoneInNftIsWhatIptablesCtstateDnatSees() throws Exception {
        List<NftTable> nft = load("""
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; fib daddr type local tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        String ipt = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A FORWARD -m conntrack --ctstate DNAT --ctorigdstport 8080 -j ACCEPT\n"
                + "-A FORWARD -i podman0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n";
        Simulator s = sim(ipt, nft);
        Trace t = s.trace(toHostPort(8080));
        assertEquals(Verdict.ACCEPT, t.verdict());
        assertEquals(IpAddress.parse("10.88.0.2"), t.dnatAddress());
        assertInstanceOf(Decider.ByRule.class, t.decidedBy());
        Trace other = s.trace(toHostPort(8081));
        assertEquals("local", other.delivery(), "no DNAT for 8081: the host's own INPUT takes it");
    }

    @Test
    void theReplySeesTheConnectionsCtMark() throws Exception {
        List<NftTable> nft = load("""
                table inet v {
                  chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 ct mark set 0x1000 dnat ip to 10.88.0.2:80 }
                  chain filt { type filter hook forward priority 0; policy drop; ct mark & 0x1000 == 0x1000 accept }
                }
                """);
        Simulator s = sim(IPT_ACCEPT, nft);
        Trace first = s.trace(toHostPort(8080));
        assertEquals(Verdict.ACCEPT, first.verdict());
        assertEquals(0x1000, first.connection().connMark());
        Packet reply = new Packet("podman0", IpAddress.parse("10.88.0.2"), IpAddress.parse("203.0.113.7"), 6, 80, 40000,
                "ESTABLISHED", 0);
        Trace back = s.traceReply(reply, first.connection(), Simulator.Detail.PATH);
        assertEquals(Verdict.ACCEPT, back.verdict(), String.valueOf(back.decidedBy()));
        Connection unmarked = new Connection(first.connection().originalSource(), first.connection().originalDestination(),
                40000, 8080, true, false, 0, "eth0");
        assertEquals(Verdict.DROP, s.traceReply(reply, unmarked, Simulator.Detail.PATH).verdict());
    }

    @Test
    void equalPrioritiesWhoseOrderMattersAreUnknownAndNamed() throws Exception {
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 0; policy accept; meta mark set 0x1 } }
                table inet b { chain filt { type filter hook forward priority 0; policy accept; meta mark 0x1 drop } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        Trace t = sim(IPT_ACCEPT, nft).trace(toHostPort(8080));
        assertEquals(Verdict.UNKNOWN, t.verdict());
        Decider.ByOrder o = assertInstanceOf(Decider.ByOrder.class, t.decidedBy());
        assertTrue(o.chains().contains("inet a filt") && o.chains().contains("inet b filt"), o.chains());
        assertTrue(o.chains().contains("ip filter FORWARD"), "iptables' filter FORWARD sits at 0 too: " + o.chains());
    }

    @Test
    void equalPrioritiesThatOnlyAcceptAreDecided() throws Exception {
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 0; policy accept; ip daddr 10.88.0.2 accept } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        assertEquals(Verdict.ACCEPT, sim(IPT_ACCEPT, nft).trace(toHostPort(8080)).verdict());
    }

    @Test
    void equalPrioritiesThatChangeThePacketAlikeEitherWayAreDecidedAndWalkedOnce() throws Exception {
        // inet a marks every packet, inet b drops port 9999 only: both orders leave the same packet, so the trace
        // is decided without a fork, and the other order (run only to compare) adds nothing to the path.
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 0; policy accept; meta mark set 0x1 } }
                table inet b { chain filt { type filter hook forward priority 0; policy accept; tcp dport 9999 drop } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        Trace t = sim(IPT_ACCEPT, nft).trace(toHostPort(8080));
        assertEquals(Verdict.ACCEPT, t.verdict(), String.valueOf(t.decidedBy()));
        assertTrue(t.unknownRules().isEmpty());
        assertEquals(1, t.path().stream().filter(s -> s.rule().table().equals("inet a")).count(), String.valueOf(t.path()));
        assertEquals(1, t.path().stream().filter(s -> s.rule().table().equals("inet b")).count(), String.valueOf(t.path()));
        assertEquals(3, t.chains().stream().filter(c -> c.hook().equals("forward")).count(), String.valueOf(t.chains()));
    }

    @Test
    void equalPrioritiesThatDropEitherWayAreDecided() throws Exception {
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 0; policy accept; meta mark set 0x1 } }
                table inet b { chain filt { type filter hook forward priority 0; policy accept; tcp dport 80 drop } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        Trace t = sim(IPT_ACCEPT, nft).trace(toHostPort(8080));
        assertEquals(Verdict.DROP, t.verdict(), String.valueOf(t.decidedBy()));
        Decider.ByNftRule by = assertInstanceOf(Decider.ByNftRule.class, t.decidedBy());
        assertEquals("inet b", by.table());
    }

    @Test
    void whatTheReaderDoesNotKnowIsNeverDecidedSilently() throws Exception {
        List<NftTable> nft = load("""
                table inet a { chain filt { type filter hook forward priority 10; policy accept; limit rate 1/second drop } }
                table ip n { chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 8080 dnat to 10.88.0.2:80 } }
                """);
        Trace t = sim(IPT_ACCEPT, nft).trace(toHostPort(8080));
        assertEquals(Verdict.UNKNOWN, t.verdict());
        assertEquals("inet a", t.unknownRules().get(0).table());
        assertEquals("filt", t.unknownRules().get(0).chain());
    }
}
