package io.cnifix.remedy;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {
    private static Plan plan(HostState h) {
        return new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(true, false);
    }

    private static HostState applied(HostState h, Plan p) {
        return h.withRulesets(Proof.edited(h, p.additions(), p.removals()));
    }

    @Test
    void seedGetsOneDockerShapedRuleAfterTheAdminJump() {
        HostState h = Fixtures.host("centos7-podman-cni");
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        assertEquals(1, p.additions().size());
        Proposal r = p.additions().get(0);
        assertEquals("CNI-FORWARD", r.chain());
        assertEquals(2, r.position());
        assertEquals("-d 10.88.0.11/32 ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT"
                + " --ctorigdstport 8080 -m comment --comment \"cnifix: web tcp/8080\" -j ACCEPT", r.spec());
        HostState after = applied(h, p);
        assertTrue(new Comparer(after, DockerModel.CURRENT, Set.of()).compare().ports().stream()
                .allMatch(x -> x.status() == PortStatus.OK));
        assertTrue(plan(after).empty(), "a second run proposes nothing");
    }

    @Test
    void sideBySideRulesGoBelowDockerUserSoTheAdminStillDecides() {
        HostState h = Fixtures.host("docker-and-podman");
        Plan p = plan(h);
        assertEquals(1, p.additions().size());
        assertEquals("FORWARD", p.additions().get(0).chain());
        assertEquals(3, p.additions().get(0).position(), "right after -j DOCKER-USER (rule 2)");
        HostState blocked = Fixtures.host("docker-and-podman", t -> t.replace(":DOCKER-USER - [0:0]",
                ":DOCKER-USER - [0:0]\n-A DOCKER-USER -s 203.0.113.0/24 -j DROP"));
        HostState after = applied(blocked, plan(blocked));
        var pweb = new Comparer(after, DockerModel.CURRENT, Set.of()).compare().ports().stream()
                .filter(x -> x.mapping().containerName().equals("pweb")).findFirst().orElseThrow();
        assertEquals(PortStatus.BLOCKED, pweb.status(), pweb.why());
    }

    @Test
    void netavarkRulesGoToTheTopOfItsChainWithoutAnInvalidDrop() {
        Plan p = plan(Fixtures.host("podman-netavark"));
        assertEquals(3, p.additions().size());
        assertTrue(p.additions().stream().allMatch(a -> a.chain().equals("NETAVARK_FORWARD")));
        assertEquals(List.of(1, 2, 3), p.additions().stream().map(Proposal::position).toList());
        assertTrue(p.proven(), p.proofProblems().toString());
    }

    @Test
    void pruneFindsOwnRulesForGoneContainersOnly() {
        HostState h = Fixtures.host("centos7-podman-cni");
        HostState fixed = applied(h, plan(h));
        Planner pruneOnly = new Planner(fixed, DockerModel.CURRENT, Set.of(), null);
        assertTrue(pruneOnly.plan(false, true).removals().isEmpty());
        // The container restarted with a new address: the engine moved its rules, cnifix's old rule stayed.
        String oldRule = plan(h).additions().get(0).line();
        HostState moved = Fixtures.host("centos7-podman-cni", t -> t.replace("10.88.0.11", "10.88.0.12")
                .replace("-A CNI-FORWARD -d 10.88.0.12/32", oldRule + "\n-A CNI-FORWARD -d 10.88.0.12/32"));
        PortMapping m = moved.mappings().get(0);
        HostState restarted = new HostState(moved.rulesets(), moved.networks(), moved.containers(),
                List.of(m.withContainerIp(io.cnifix.model.IpAddress.parse("10.88.0.12"), m.network())),
                moved.addresses(), moved.routes(), List.of());
        Plan both = new Planner(restarted, DockerModel.CURRENT, Set.of(), null).plan(true, true);
        assertEquals(1, both.removals().size());
        assertTrue(both.removals().get(0).rule().text().contains("10.88.0.11/32"));
        assertEquals(1, both.additions().size(), both.untouched().toString());
        assertTrue(both.additions().get(0).spec().contains("10.88.0.12/32"));
        assertTrue(both.proven(), both.proofProblems().toString());
        HostState after = applied(restarted, both);
        assertTrue(new Planner(after, DockerModel.CURRENT, Set.of(), null).plan(true, true).empty());
    }

    @Test
    void namesFullOfQuotesAndShellCharactersStayOneSafeComment() {
        HostState h = Fixtures.host("centos7-podman-cni");
        PortMapping m = h.mappings().get(0).withName("we\"b $(rm -rf /) `x` 'y' \\ z;|&");
        HostState odd = new HostState(h.rulesets(), h.networks(), h.containers(), List.of(m), h.addresses(), h.routes(), List.of());
        Plan p = plan(odd);
        assertTrue(p.proven(), p.proofProblems().toString());
        HostState after = applied(odd, p);
        var rule = after.ruleset(io.cnifix.model.Family.V4).chain("filter", "CNI-FORWARD").rules().get(1);
        assertEquals("cnifix: we\"b $(rm -rf /) `x` 'y' \\ z;|& tcp/8080", rule.comment());
        String cmd = Scripts.commands(p).get(0);
        assertTrue(cmd.contains("'cnifix: we\"b $(rm -rf /) `x` '\\''y'\\'' \\ z;|& tcp/8080'"), cmd);
    }

    @Test
    void aCnifixRuleAboveTheAdminJumpIsAFindingAndSuggestMovesIt() {
        String mine = "-A CNI-FORWARD -d 10.88.0.11/32 ! -i cni0 -o cni0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT"
                + " --ctorigdstport 8080 -m comment --comment \"cnifix: web tcp/8080\" -j ACCEPT";
        // As after another program's insert at the top overtook a positional -I CNI-FORWARD 2.
        HostState h = Fixtures.host("centos7-podman-cni", t -> t.replace(
                "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-ADMIN", mine
                        + "\n-A CNI-FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-ADMIN"));
        var report = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
        assertTrue(report.findings().stream().anyMatch(f -> f.kind().equals("misplaced-rule")), report.findings().toString());
        assertTrue(report.needsFixing(), "a misplaced rule needs fixing");
        Plan p = plan(h);
        assertTrue(p.proven(), p.proofProblems().toString());
        assertEquals(1, p.removals().size());
        assertEquals(mine, p.removals().get(0).rule().text());
        assertEquals(1, p.additions().size());
        assertEquals(2, p.additions().get(0).position(), "back after the CNI-ADMIN jump");
        HostState after = applied(h, p);
        var fixed = new Comparer(after, DockerModel.CURRENT, Set.of()).compare();
        assertTrue(fixed.findings().stream().noneMatch(f -> f.kind().equals("misplaced-rule")), fixed.findings().toString());
        assertTrue(plan(after).empty(), "a second run proposes nothing");
        assertTrue(new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(false, true).removals().isEmpty(),
                "prune alone never removes a rule a port needs");
    }

    /**
     * netavark's and Docker 29's nftables tables accept replies in their own table, so next to an iptables FORWARD DROP
     * the first rule alone leaves the container's answer dropped: each port also gets a return-path accept, and
     * with both the ports are ok, in memory as on the measured hosts (fixtures' expected.json).
     */
    @Test
    void nftEnginesNextToAnIptablesDropGetAReturnPathRulePerPort() {
        for (String name : List.of("netavark-nft-drop", "docker29-nft-drop")) {
            HostState h = Fixtures.host(name);
            Plan p = plan(h);
            assertTrue(p.proven(), name + ": " + p.proofProblems());
            long published = h.mappings().stream().filter(PortMapping::boundToAll).count();
            assertEquals(2 * published, p.additions().size(), name + ": " + p.additions());
            for (Proposal a : p.additions()) {
                assertEquals("FORWARD", a.chain(), a.toString());
            }
            assertEquals(published, p.additions().stream().filter(a -> a.spec().startsWith("-s ")
                    && a.spec().contains("-m conntrack --ctstate RELATED,ESTABLISHED")).count(), name);
            HostState after = applied(h, p);
            assertTrue(new Comparer(after, DockerModel.CURRENT, Set.of()).compare().ports().stream()
                    .filter(x -> x.mapping().boundToAll()).allMatch(x -> x.status() == PortStatus.OK), name);
            assertTrue(plan(after).empty(), name + ": a second run proposes nothing");
            Plan prune = new Planner(after, DockerModel.CURRENT, Set.of(), null).plan(false, true);
            assertTrue(prune.removals().isEmpty(), name + ": every rule, return path included, is needed: " + prune.removals());
            HostState gone = new HostState(after.rulesets(), after.networks(), after.containers(), List.of(), after.addresses(),
                    after.routes(), after.notes(), after.nftTables());
            assertEquals(p.additions().size(), new Planner(gone, DockerModel.CURRENT, Set.of(), null).plan(false, true).removals().size(),
                    name + ": with the containers gone, prune removes both rules of each port");
        }
    }
}
