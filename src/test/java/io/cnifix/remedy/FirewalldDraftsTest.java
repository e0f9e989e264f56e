package io.cnifix.remedy;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FirewalldDraftsTest {
    private static final String WEB = "-d 10.88.0.2/32 ! -i podman0 -o podman0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT"
            + " --ctorigdstport 8080 -m comment --comment \"cnifix: web tcp/8080\" -j ACCEPT";

    private static Plan plan(HostState h, boolean add, boolean prune) {
        return new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(add, prune);
    }

    private static List<PortReport> ports(HostState h) {
        return new Comparer(h, DockerModel.CURRENT, Set.of()).compare().ports();
    }

    @Test
    void firewalldWithAnIptablesDropGetsDirectRulesInTheBuiltInChainNotPlainRules() {
        HostState h = Fixtures.host("firewalld-drop-netavark");
        assertTrue(FirewalldDrafts.runs(h));
        Plan p = plan(h, true, false);
        assertTrue(p.proven(), p.proofProblems().toString());
        assertFalse(p.additions().isEmpty());
        for (Proposal a : p.additions()) {
            assertEquals(Backend.FIREWALLD, a.backend(), a.toString());
            assertEquals("direct", a.table());
            assertEquals("ipv4 filter FORWARD", a.chain(), "a direct rule must name a chain that exists at reload: not NETAVARK_FORWARD");
            assertEquals(FirewalldDrafts.PRIORITY, a.position());
            assertTrue(a.spec().contains("-m comment --comment \"cnifix: "), a.spec());
        }
        Proposal web = p.additions().stream().filter(a -> a.fixes().hostPort() == 8080).findFirst().orElseThrow();
        assertEquals(WEB, web.spec(), "the same Docker-shaped words as the iptables rule");
        assertEquals("-A FORWARD " + WEB, FirewalldDrafts.line(web));
        assertTrue(p.additions(Backend.IPTABLES).isEmpty() && !p.touches(Family.V4), "no plain iptables rule: a reload would flush it");
    }

    @Test
    void theDirectRulesProveOutInMemoryAndASecondRunProposesNothing() {
        HostState h = Fixtures.host("firewalld-drop-netavark");
        Plan p = plan(h, true, false);
        HostState after = Proof.applied(h, p.additions(), p.removals());
        Rule first = after.ruleset(Family.V4).chain("filter", "FORWARD").rules().get(0);
        assertTrue(OwnedRule.isOwned(first), "firewalld puts direct rules above the rules it did not add: " + first.text());
        for (PortReport r : ports(after)) {
            if (r.mapping().hostIp() == null) {
                assertEquals(PortStatus.OK, r.status(), r.mapping() + ": " + r.why());
            }
        }
        assertTrue(plan(after, true, false).additions().isEmpty(), "a second run proposes nothing");
    }

    @Test
    void theRedundantDropIsNamedAsAnOptionNeverTaken() {
        Plan p = plan(Fixtures.host("firewalld-drop-netavark"), true, false);
        assertTrue(p.untouched().stream().anyMatch(u -> u.startsWith("option, not taken") && u.contains("iptables -P FORWARD ACCEPT")),
                p.untouched().toString());
        assertTrue(p.removals().isEmpty(), "cnifix does not change the admin's policy");
    }

    @Test
    void anAdminRuleOnThePathIsNotOverriddenByATopOfChainDirectRule() {
        // firewalld puts every direct rule above the admin's plain rules: the proof must refuse a rule that would let in
        // what the admin drops
        HostState h = Fixtures.host("firewalld-drop-netavark", t -> t.replaceFirst("(?m)^(-A FORWARD .*NETAVARK_FORWARD)$",
                "-A FORWARD -s 203.0.113.0/24 -j DROP\n$1"));
        Plan p = plan(h, true, false);
        HostState after = Proof.applied(h, p.additions(), p.removals());
        boolean opened = ports(after).stream().anyMatch(r -> r.mapping().hostPort() == 8080 && r.status() == PortStatus.OK);
        assertTrue(!p.proven() || !opened || p.additions().isEmpty(),
                "either the proof refuses, or the admin's drop still decides: " + p);
    }

    @Test
    void withoutFirewalldTheRulesStayIptablesRules() {
        HostState h = Fixtures.host("podman-netavark");
        assertFalse(FirewalldDrafts.runs(h));
        Plan p = plan(h, true, false);
        assertFalse(p.additions().isEmpty());
        assertTrue(p.additions().stream().allMatch(a -> a.backend() == Backend.IPTABLES));
        assertTrue(p.untouched().stream().noneMatch(u -> u.startsWith("option")));
    }

    @Test
    void pruneRemovesOwnedDirectRulesThroughFirewalld() {
        HostState h = Fixtures.host("firewalld-drop-netavark", t -> t.replaceFirst("(?m)^(-A FORWARD .*NETAVARK_FORWARD)$",
                "-A FORWARD -d 10.88.0.99/32 ! -i podman0 -o podman0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT"
                        + " --ctorigdstport 9999 -m comment --comment \"cnifix: gone tcp/9999\" -j ACCEPT\n$1"));
        Plan p = plan(h, false, true);
        assertEquals(1, p.removals().size(), p.toString());
        Removal r = p.removals().get(0);
        assertEquals(Backend.FIREWALLD, r.backend());
        assertEquals("FORWARD", r.rule().chain());
        assertTrue(p.proven(), p.proofProblems().toString());
        List<String> cmds = FirewalldDrafts.commands(p);
        assertEquals(2, cmds.size(), cmds.toString());
        assertTrue(cmds.get(0).startsWith("firewall-cmd --direct --remove-rule ipv4 filter FORWARD 100 -d 10.88.0.99/32 ! -i podman0"), cmds.get(0));
        assertTrue(cmds.get(1).startsWith("firewall-cmd --permanent --direct --remove-rule "), cmds.get(1));
        HostState after = Proof.applied(h, p.additions(), p.removals());
        assertTrue(Ownership.of(after).isEmpty(), "the in-memory apply removes it");
    }

    @Test
    void commandsAreRuntimeThenPermanentWithTheCommentAsOneWord() {
        Plan p = plan(Fixtures.host("firewalld-drop-netavark"), true, false);
        List<String> cmds = FirewalldDrafts.commands(p);
        assertEquals(2 * p.additions().size(), cmds.size());
        assertEquals("firewall-cmd --direct --add-rule ipv4 filter FORWARD 100 -d 10.88.0.2/32 ! -i podman0 -o podman0 -p tcp"
                + " -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment 'cnifix: web tcp/8080'"
                + " -j ACCEPT", cmds.stream().filter(c -> c.contains("8080")).findFirst().orElseThrow());
        assertTrue(cmds.stream().anyMatch(c -> c.startsWith("firewall-cmd --permanent --direct --add-rule ipv4 filter FORWARD 100 -d 10.88.0.2/32")));
    }

    /** firewalld-netavark with firewalld 2.3's StrictForwardPorts=yes: the blanket {@code ct status dnat accept} is gone. */
    private static HostState strictForwardPorts() {
        io.cnifix.ingest.StateSources s = Fixtures.sources("firewalld-netavark");
        List<io.cnifix.ingest.InputText> nft = new java.util.ArrayList<>();
        for (io.cnifix.ingest.InputText t : s.nft()) {
            com.google.gson.JsonObject doc = com.google.gson.JsonParser.parseString(t.content()).getAsJsonObject();
            com.google.gson.JsonArray kept = new com.google.gson.JsonArray();
            for (com.google.gson.JsonElement e : doc.getAsJsonArray("nftables")) {
                com.google.gson.JsonObject rule = e.getAsJsonObject().getAsJsonObject("rule");
                boolean dnatAccept = rule != null && rule.get("table").getAsString().equals("firewalld")
                        && rule.get("chain").getAsString().equals("filter_FORWARD") && rule.get("expr").toString().contains("\"dnat\"");
                if (!dnatAccept) {
                    kept.add(e);
                }
            }
            doc.add("nftables", kept);
            nft.add(new io.cnifix.ingest.InputText(t.name(), doc.toString()));
        }
        return io.cnifix.ingest.HostStateBuilder.build(new io.cnifix.ingest.StateSources(s.rules(), s.ports(), s.networks(),
                s.addresses(), s.routes(), s.notes(), nft));
    }

    @Test
    void aPortFirewalldItselfRejectsIsLeftAloneWithThePolicyThatWouldOpenIt() {
        HostState h = strictForwardPorts();
        PortReport web = ports(h).stream().filter(r -> r.mapping().hostPort() == 8080).findFirst().orElseThrow();
        assertEquals(PortStatus.GAP, web.status(), web.why());
        Plan p = plan(h, true, false);
        assertTrue(p.proven(), p.proofProblems().toString());
        assertTrue(p.additions().isEmpty(), "no rule in another table overrides firewalld's reject: " + p.additions());
        String note = p.untouched().stream().filter(u -> u.startsWith("web tcp/8080: closed by firewalld itself")).findFirst()
                .orElseThrow(() -> new AssertionError(p.untouched().toString()));
        assertTrue(note.contains("--new-policy cnifix-forward") && note.contains("destination address=\"" + web.mapping().containerIp()
                + "\" port port=\"80\" protocol=\"tcp\" accept"), note);
    }

    @Test
    void aDirectRuleAboveAnAdminRuleIsReportedWithAdviceThatFitsFirewalld() {
        HostState h = Fixtures.host("firewalld-drop-netavark", t -> t.replaceFirst("(?m)^(-A FORWARD .*NETAVARK_FORWARD)$",
                "-A FORWARD " + WEB + "\n-A FORWARD -s 203.0.113.0/24 -j DROP\n$1"));
        var findings = new Comparer(h, DockerModel.CURRENT, Set.of()).compare().findings().stream()
                .filter(f -> f.toString().contains("misplaced-rule")).toList();
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).toString().contains("firewalld direct rule") && !findings.get(0).toString().contains("moves it below"),
                findings.toString());
        assertTrue(plan(h, true, false).removals().isEmpty(), "no move: firewalld would put the rule back on top");
    }

    @Test
    void theBuiltInChainIsTheOneTheEngineChainHangsFrom() {
        HostState h = Fixtures.host("firewalld-drop-netavark");
        assertEquals("FORWARD", FirewalldDrafts.builtinOf(h.ruleset(Family.V4), "NETAVARK_FORWARD"));
        assertEquals("INPUT", FirewalldDrafts.builtinOf(h.ruleset(Family.V4), "INPUT"));
    }
}
