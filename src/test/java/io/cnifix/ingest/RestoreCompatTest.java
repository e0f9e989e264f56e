package io.cnifix.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.model.Family;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Target;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Dumps iptables-restore 1.8.9 loads (and the few older spellings cnifix reads with a note), each read with the
 * kernel's meaning; and the ones it refuses, refused with file and line. {@link #sameAsIptablesRestore} checks every
 * case against the real iptables-restore in a namespace of its own.
 */
class RestoreCompatTest {

    private static Ruleset parse(String body) {
        return IptablesSaveParser.parse(new InputText("t.save", body), Family.V4);
    }

    private static Rule only(Ruleset r, String table, String chain) {
        List<Rule> rules = r.chain(table, chain).rules();
        assertEquals(1, rules.size(), () -> rules.toString());
        return rules.get(0);
    }

    /** Loaded by iptables-restore 1.8.9 (or older spellings read with a note: see OLD). */
    static final List<String> ACCEPTED = List.of(
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
            "*nat\n-A PREROUTING -p udp -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp -m multiport -j ACCEPT --dports ssh,www\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport auth -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport http-alt:65535 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p udp --dport domain -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp -j REJECT --dport 22 --reject-with tcp-reset\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp -j REJECT --reject-with tcp-reset --dport 22 -m comment --comment x\nCOMMIT\n",
            "*filter\n-A INPUT -j ACCEPT -p tcp --dport 22\nCOMMIT\n",
            "*filter\n-A INPUT -p TCP --dport 22 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p ipip -j ACCEPT\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 60000:29 -j ACCEPT\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp -m udp ! --sport 60000:29 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n*filter\n-A INPUT -p udp -j DROP\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n:INPUT DROP [0:0]\nCOMMIT\n",
            "*filter\n:FOO - [0:0]\n-A FOO -j ACCEPT\n:FOO - [0:0]\n-A INPUT -j FOO\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT\n-A INPUT -m conntrack -j ACCEPT --ctstate NEW\nCOMMIT\n");

    /** Refused by iptables-restore 1.8.9 and by cnifix. */
    static final List<String> REFUSED = List.of(
            "*filter\n-A FOO -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport nosuchsvc -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp --dport 70000 -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p udp -m multiport --dports ssh -j ACCEPT\nCOMMIT\n",
            "*filter\n-A INPUT -p tcp -m multiport --dports 60000:29,80 -j ACCEPT\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT -j DROP\nCOMMIT\n");

    /** Refused by iptables-restore 1.8.9, read by cnifix with a note because older iptables wrote them. */
    static final List<String> OLD = List.of(
            "*filter\n-A INPUT -d ! 10.0.0.0/8 -j ACCEPT\nCOMMIT\n",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 60000:29 -j ACCEPT\nCOMMIT\n");

    @Test
    void readsEveryAcceptedDump() {
        for (String s : ACCEPTED) {
            parse(s);
        }
        for (String s : OLD) {
            assertTrue(!parse(s).notes().isEmpty(), s);
        }
    }

    @Test
    void refusesWhatIptablesRestoreRefusesWithFileAndLine() {
        for (String s : REFUSED) {
            InputException e = assertThrows(InputException.class, () -> parse(s), s);
            assertTrue(e.oneLine().startsWith("t.save:") && e.line() > 0, e.oneLine());
        }
    }

    @Test
    void builtInChainsExistWithoutDeclaration() {
        Ruleset r = parse(ACCEPTED.get(1));
        assertEquals(List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
                List.copyOf(r.table("nat").chains().keySet()));
        assertEquals("ACCEPT", r.chain("nat", "PREROUTING").policy());
        assertInstanceOf(Target.Accept.class, only(r, "nat", "PREROUTING").target());
    }

    @Test
    void optionsAfterTheTargetBelongToTheirMatch() {
        Rule multi = only(parse(ACCEPTED.get(2)), "filter", "INPUT");
        assertInstanceOf(Target.Accept.class, multi.target());
        Match.Multiport mp = (Match.Multiport) multi.matches().get(1);
        assertEquals(List.of(PortRange.of(22), PortRange.of(80)), mp.ports());
        Rule reject = only(parse(ACCEPTED.get(7)), "filter", "INPUT");
        assertEquals(new Target.Reject("tcp-reset"), reject.target());
        assertTrue(reject.matches().stream().anyMatch(m -> m instanceof Match.Ports p
                && p.conditions().equals(List.of(new Match.PortIs(io.cnifix.model.Side.DESTINATION, PortRange.of(22), false)))));
        assertTrue(reject.matches().stream().anyMatch(m -> m instanceof Match.Comment c && c.text().equals("x")));
        Rule ct = only(parse(ACCEPTED.get(16)), "filter", "INPUT");
        assertInstanceOf(Match.Conntrack.class, ct.matches().get(0));
    }

    @Test
    void serviceAndProtocolNamesComeFromTheBundledTables() {
        Rule auth = only(parse(ACCEPTED.get(3)), "filter", "INPUT");
        assertTrue(auth.matches().stream().anyMatch(m -> m instanceof Match.Ports p
                && ((Match.PortIs) p.conditions().get(0)).range().equals(PortRange.of(113))));
        Rule range = only(parse(ACCEPTED.get(4)), "filter", "INPUT");
        assertTrue(range.matches().stream().anyMatch(m -> m instanceof Match.Ports p
                && ((Match.PortIs) p.conditions().get(0)).range().equals(new PortRange(8080, 65535))));
        Rule ipip = only(parse(ACCEPTED.get(10)), "filter", "INPUT");
        assertEquals(94, ((Match.Protocol) ipip.matches().get(0)).number());
        NameTables host = new NameTables("myapp 4000/tcp app\n", "");
        Ruleset r = IptablesSaveParser.parse(new InputText("h", "*filter\n-A INPUT -p tcp --dport app -j ACCEPT\nCOMMIT\n"),
                Family.V4, host);
        assertTrue(only(r, "filter", "INPUT").matches().stream().anyMatch(m -> m instanceof Match.Ports p
                && ((Match.PortIs) p.conditions().get(0)).range().equals(PortRange.of(4000))));
    }

    @Test
    void reversedRangeIsKeptAndNeverMatches() {
        Ruleset r = parse(ACCEPTED.get(11));
        Match.Ports p = (Match.Ports) only(r, "filter", "INPUT").matches().get(1);
        assertEquals(new Match.PortNever(io.cnifix.model.Side.DESTINATION, 60000, 29, false), p.conditions().get(0));
        assertTrue(r.notes().get(0).startsWith("t.save:3:") && r.notes().get(0).contains("never matches"), r.notes().toString());
    }

    @Test
    void aRepeatedTableReplacesTheEarlierOne() {
        Ruleset r = parse(ACCEPTED.get(13));
        Rule rule = only(r, "filter", "INPUT");
        assertEquals(5, rule.line());
        assertInstanceOf(Target.Drop.class, rule.target());
        assertTrue(r.notes().get(0).contains("replaces"));
    }

    @Test
    void redeclaringKeepsBuiltInRulesAndFlushesUserChains() {
        Ruleset r = parse(ACCEPTED.get(14));
        assertEquals("DROP", r.chain("filter", "INPUT").policy());
        assertEquals(1, r.chain("filter", "INPUT").rules().size());
        Ruleset u = parse(ACCEPTED.get(15));
        assertEquals(0, u.chain("filter", "FOO").rules().size());
    }

    @Test
    void oldNegationSpellingIsReadWithANote() {
        Ruleset r = parse(OLD.get(0));
        Match.Address a = (Match.Address) only(r, "filter", "INPUT").matches().get(0);
        assertTrue(a.negated());
        assertEquals("10.0.0.0/8", a.cidr().toString());
        assertTrue(r.notes().get(0).contains("t.save:2:"), r.notes().toString());
    }

    /** The real iptables-restore --test agrees on every case (cnifix reads OLD ones that 1.8.9 refuses). */
    @Tag("netns")
    @Test
    void sameAsIptablesRestore() throws Exception {
        assumeTrue(KernelLab.available(), () -> "kernel lab unavailable: " + KernelLab.unavailableReason());
        try (KernelLab lab = KernelLab.create(new LabTopology(List.of(new ExternalLink("eth0",
                List.of("192.0.2.1/24"), List.of("192.0.2.2/24"), false)), List.of()))) {
            for (String s : ACCEPTED) {
                lab.hostExec(s, "iptables-restore", "--test");
            }
            for (String s : REFUSED) {
                // --test does not look up chains; loading does (this lab namespace is thrown away after).
                assertThrows(Exception.class, () -> lab.hostExec(s, "iptables-restore"), s);
            }
            for (String s : OLD) {
                assertThrows(Exception.class, () -> lab.hostExec(s, "iptables-restore", "--test"), s);
            }
        }
    }
}
