package io.cnifix.remedy;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An admin's own nftables chain with policy drop (Debian's and RHEL's {@code inet filter forward}) around the measured
 * netavark-nft and Podman CNI hosts: the fix is nft rules in that chain, below the admin's rules, proven in memory.
 */
class NftDraftsTest {
    private static final String EST = "{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 4,"
            + " \"expr\": [{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}},"
            + " {\"accept\": null}]}}";
    private static final String SSH = "{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 5,"
            + " \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}},"
            + " \"right\": {\"prefix\": {\"addr\": \"203.0.113.0\", \"len\": 24}}}}, {\"drop\": null}]}}";
    private static final String CATCH_ALL = "{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 9,"
            + " \"expr\": [{\"counter\": {\"packets\": 0, \"bytes\": 0}}, {\"drop\": null}]}}";

    /** The fixture, with the iptables FORWARD policy ACCEPT and the admin's table {@code inet filter} holding {@code rules}. */
    static HostState host(String fixture, String policy, String... rules) {
        StateSources s = Fixtures.sources(fixture);
        List<InputText> v4 = new ArrayList<>();
        for (InputText t : s.rules()) {
            v4.add(t.name().endsWith("ip6tables-save.txt") ? t : new InputText(t.name(), t.content().replace(":FORWARD DROP", ":FORWARD ACCEPT")));
        }
        StringBuilder table = new StringBuilder("{\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 90}},"
                + " {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"forward\", \"handle\": 1, \"type\": \"filter\","
                + " \"hook\": \"forward\", \"prio\": 0, \"policy\": \"" + policy + "\"}}");
        for (String r : rules) {
            table.append(", ").append(r);
        }
        List<InputText> nft = new ArrayList<>();
        for (InputText t : s.nft()) {
            nft.add(new InputText(t.name(), t.content().replaceFirst("\\{\"nftables\": \\[", "{\"nftables\": [" + table + ", ")));
        }
        if (nft.isEmpty()) {
            nft.add(new InputText("nft-ruleset.json", "{\"nftables\": [" + table + "]}"));
        }
        return HostStateBuilder.build(new StateSources(v4, s.ports(), s.networks(), s.addresses(), s.routes(), s.notes(), nft));
    }

    private static Plan plan(HostState h) {
        return new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(true, false);
    }

    private static List<PortReport> judged(HostState h) {
        return new Comparer(h, DockerModel.CURRENT, Set.of()).compare().ports();
    }

    private static PortReport web(HostState h) {
        return judged(h).stream().filter(p -> p.mapping().containerName().equals("web")).findFirst().orElseThrow();
    }

    @Test
    void netavarkNftWithAnAdminForwardDropGetsNftRulesBothWaysInThatChain() {
        HostState h = host("netavark-nft-drop", "drop", SSH);
        assertEquals(PortStatus.GAP, web(h).status(), web(h).why());
        assertTrue(web(h).why().contains("inet filter") && web(h).why().contains("forward"), web(h).why());
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        long published = h.mappings().stream().filter(PortMapping::boundToAll).count();
        assertEquals(2 * published, p.additions().size(), p.additions().toString());
        for (Proposal a : p.additions()) {
            assertEquals(Backend.NFT, a.backend());
            assertEquals("inet filter", a.table());
            assertEquals("forward", a.chain());
            assertEquals(5, a.position(), "after the admin's last rule, handle 5");
            assertEquals("ip saddr 203.0.113.0/24 drop", a.after());
        }
        PortMapping m = web(h).mapping();
        String first = "ip daddr " + m.containerIp() + " iifname != \"podman0\" oifname \"podman0\" tcp dport 80 ct status dnat"
                + " ct original proto-dst 8080 accept comment \"cnifix: web tcp/8080\"";
        String reply = "ip saddr " + m.containerIp() + " iifname \"podman0\" oifname != \"podman0\" ct state established,related"
                + " ct protocol tcp ct original proto-dst 8080 accept comment \"cnifix: web tcp/8080\"";
        assertTrue(p.additions().stream().anyMatch(a -> a.spec().equals(first)), p.additions().toString());
        assertTrue(p.additions().stream().anyMatch(a -> a.spec().equals(reply)), p.additions().toString());

        HostState after = NftDrafts.apply(h, p.additions(), p.removals());
        for (PortReport x : judged(after)) {
            if (x.mapping().boundToAll()) {
                // Every source gets in but the one the admin drops on purpose, which stays dropped.
                assertEquals(PortStatus.BLOCKED, x.status(), x.why());
                assertTrue(x.sources().stream().allMatch(g -> g.outcome().equals("accept") || g.admin()), x.why());
                assertTrue(x.why().contains("203.0.113.0/24"), x.why());
            }
        }
        PortReport local = judged(after).stream().filter(x -> !x.mapping().boundToAll()).findFirst().orElseThrow();
        assertEquals(PortStatus.NOT_EXPOSED, local.status(), "the 127.0.0.1-bound port stays closed");
        assertTrue(plan(after).empty(), "a second run proposes nothing: " + plan(after).additions());
        // The admin's drop of 203.0.113.0/24 still decides first for those sources.
        NftTable filter = after.nftTables().stream().filter(t -> t.label().equals("inet filter")).findFirst().orElseThrow();
        assertEquals(5, filter.chain("forward").rules().get(0).handle());
    }

    @Test
    void anEstablishedAcceptInTheChainMeansNoReturnPathRule() {
        HostState h = host("netavark-nft-drop", "drop", EST);
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        long published = h.mappings().stream().filter(PortMapping::boundToAll).count();
        assertEquals(published, p.additions().size(), p.additions().toString());
        assertTrue(p.additions().stream().allMatch(a -> a.spec().contains("ct status dnat") && a.position() == 4));
    }

    @Test
    void podmanCniNextToTheAdminTableGetsTheRuleAboveItsClosingDrop() {
        HostState h = host("podman4-cni", "accept", EST, CATCH_ALL);
        PortReport w = judged(h).get(0);
        assertEquals(PortStatus.GAP, w.status(), w.why());
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        assertFalse(p.additions().isEmpty());
        for (Proposal a : p.additions()) {
            assertEquals(Backend.NFT, a.backend(), a.toString());
            assertEquals(4, a.position(), "between the established accept (4) and the closing drop (9)");
        }
        HostState after = NftDrafts.apply(h, p.additions(), p.removals());
        assertTrue(judged(after).stream().filter(x -> x.mapping().boundToAll()).allMatch(x -> x.status() == PortStatus.OK));
        NftTable filter = after.nftTables().stream().filter(t -> t.label().equals("inet filter")).findFirst().orElseThrow();
        List<NftRule> rules = filter.chain("forward").rules();
        assertEquals(9, rules.get(rules.size() - 1).handle(), "the closing drop stays last");
    }

    @Test
    void enginesAndFirewalldTablesAreNeverWritten() {
        HostState h = Fixtures.host("netavark-nft-drop");
        assertTrue(plan(h).additions().stream().allMatch(a -> a.backend() == Backend.IPTABLES));
        for (String name : List.of("netavark-nft-firewalld", "firewalld-drop-netavark", "docker29-nft-drop")) {
            assertTrue(plan(Fixtures.host(name)).additions().stream().noneMatch(a -> a.backend() == Backend.NFT), name);
        }
    }

    @Test
    void pruneFindsOwnNftRulesOfGoneContainersByHandleAndNothingElse() {
        HostState h = host("netavark-nft-drop", "drop", SSH);
        Plan p = plan(h);
        HostState after = NftDrafts.apply(h, p.additions(), p.removals());
        assertEquals(p.additions().size(), NftOwnership.of(after).size());
        assertTrue(NftOwnership.of(after).stream().allMatch(NftOwnership.Owned::needed), "every rule serves its port");
        assertTrue(new Planner(after, DockerModel.CURRENT, Set.of(), null).plan(false, true).removals().isEmpty());
        // web is gone: its two rules go, multi's stay.
        List<PortMapping> left = after.mappings().stream().filter(m -> !m.containerName().equals("web")).toList();
        HostState gone = new HostState(after.rulesets(), after.networks(), after.containers(), left, after.addresses(),
                after.routes(), after.notes(), after.nftTables());
        Plan prune = new Planner(gone, DockerModel.CURRENT, Set.of(), null).plan(false, true);
        assertEquals(2, prune.removals().size(), prune.removals().toString());
        assertTrue(prune.removals().stream().allMatch(r -> r.backend() == Backend.NFT
                && "cnifix: web tcp/8080".equals(r.nftRule().comment())));
        HostState pruned = NftDrafts.apply(gone, List.of(), prune.removals());
        assertEquals(p.additions().size() - 2, NftOwnership.of(pruned).size());
        NftTable filter = pruned.nftTables().stream().filter(t -> t.label().equals("inet filter")).findFirst().orElseThrow();
        assertEquals(5, filter.chain("forward").rules().get(0).handle(), "the admin's rule stays");
        assertEquals(p.additions().size(), NftOwnership.removeAll(after).size());
    }

    @Test
    void aPortDeclaredOpenToSomeSourcesGetsRulesNarrowedToThemBothWays() {
        HostState h0 = host("netavark-nft-drop", "drop");
        io.cnifix.model.Cidr lan = io.cnifix.model.Cidr.parse("192.0.2.0/24");
        List<io.cnifix.model.Container> declared = h0.containers().stream()
                .map(c -> c.name().equals("web") ? c.withIntent(new io.cnifix.model.Intent(false, List.of(), List.of(lan), "test")) : c)
                .toList();
        HostState h = new HostState(h0.rulesets(), h0.networks(), declared, h0.mappings(), h0.addresses(), h0.routes(),
                h0.notes(), h0.nftTables(), h0.otherBackEnd(), h0.matchFacts());
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        List<Proposal> web = p.additions().stream().filter(a -> a.fixes().containerName().equals("web")).toList();
        assertEquals(2, web.size(), web.toString());
        assertTrue(web.stream().anyMatch(a -> a.spec().startsWith("ip saddr 192.0.2.0/24 ip daddr 10.88.0.2 ")), web.toString());
        assertTrue(web.stream().anyMatch(a -> a.spec().startsWith("ip saddr 10.88.0.2 ip daddr 192.0.2.0/24 iifname \"podman0\"")), web.toString());
        HostState after = NftDrafts.apply(h, p.additions(), p.removals());
        PortReport w = web(after);
        assertTrue(w.sources().stream().filter(g -> g.outcome().equals("accept")).allMatch(g -> g.sources() != null
                && g.sources().stream().allMatch(c -> c.prefix() >= 24 && lan.contains(c.base()))), w.why());
        assertTrue(plan(after).additions().isEmpty(), "a second run proposes nothing");
        assertTrue(NftOwnership.of(after).stream().allMatch(NftOwnership.Owned::needed), "the narrowed rules are what the intent wants");
    }

    @Test
    void ruleTextsParseToWhatNftReadsBackAndRenderBack() {
        String json = "{\"nftables\": [{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 3,"
                + " \"comment\": \"cnifix: web tcp/8080\", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\","
                + " \"field\": \"daddr\"}}, \"right\": \"10.88.0.2\"}}, {\"match\": {\"op\": \"!=\", \"left\": {\"meta\": {\"key\": \"iifname\"}},"
                + " \"right\": \"podman0\"}}, {\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"oifname\"}}, \"right\": \"podman0\"}},"
                + " {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 80}},"
                + " {\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"match\": {\"op\": \"==\","
                + " \"left\": {\"ct\": {\"key\": \"proto-dst\", \"dir\": \"original\"}}, \"right\": 8080}}, {\"match\": {\"op\": \"==\","
                + " \"left\": {\"ct\": {\"key\": \"ip daddr\", \"dir\": \"original\"}}, \"right\": \"192.0.2.1\"}}, {\"accept\": null}]}}]}";
        NftRule read = io.cnifix.ingest.json.NftReader.read(new InputText("t", json)).get(0).chain("forward").rules().get(0);
        String text = "ip daddr 10.88.0.2 iifname != \"podman0\" oifname \"podman0\" tcp dport 80 ct status dnat"
                + " ct original proto-dst 8080 ct original ip daddr 192.0.2.1 accept comment \"cnifix: web tcp/8080\"";
        assertEquals(read.statements(), NftRuleText.parse(text).statements());
        assertEquals("cnifix: web tcp/8080", NftRuleText.parse(text).comment());
        assertEquals(text, NftRuleText.render(read.statements(), read.comment()));
        assertNull(NftRuleText.render(List.of(new io.cnifix.model.nft.NftStmt.Passive("counter")), null));
    }
}
