package io.cnifix.system;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Planner;
import io.cnifix.remedy.Proof;
import io.cnifix.remedy.Proposal;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native nftables tables and rootless Podman, as the live readers hand them on. The nft ruleset is real
 * {@code nft -j list ruleset} output (nftables 1.0.6) of the .nft file next to it: an {@code inet firewalld}
 * table shaped like firewalld 1.x's, a Docker 29 style {@code ip docker-bridges} and a netavark style
 * {@code inet netavark}, beside iptables-nft's own {@code ip filter}.
 */
class NativeTablesAndRootlessTest {
    static final Path NFT = LiveContainersTest.RES.resolve("nft-firewalld-docker-bridges-netavark.json");

    static DiffReport diff(StateSources s) {
        return new Comparer(HostStateBuilder.build(s), DockerModel.CURRENT, Set.of()).compare();
    }

    static StateSources withNft(String fixture, String nft) {
        StateSources f = Fixtures.sources(fixture);
        return new StateSources(f.rules(), f.ports(), f.networks(), f.addresses(), f.routes(), f.notes(),
                List.of(new InputText("nft -j list ruleset", nft)));
    }

    /** The recorded ruleset without the tables named. */
    static String without(String... tables) {
        JsonObject root = JsonParser.parseString(RecordedRunner.read(NFT)).getAsJsonObject();
        JsonArray kept = new JsonArray();
        for (JsonElement e : root.getAsJsonArray("nftables")) {
            JsonObject item = e.getAsJsonObject();
            String kind = item.keySet().iterator().next();
            JsonObject body = item.getAsJsonObject(kind);
            String table = kind.equals("table") ? body.get("name").getAsString() : body.has("table") ? body.get("table").getAsString() : null;
            if (table == null || !List.of(tables).contains(table)) {
                kept.add(item);
            }
        }
        root.add("nftables", kept);
        return root.toString();
    }

    @Test
    void iptablesNftTablesAloneChangeNothing() {
        for (String name : Fixtures.names()) {
            for (PortReport p : diff(Fixtures.sources(name)).ports()) {
                assertFalse(p.why().contains("nftables"), name + ": " + p.why());
            }
        }
    }

    @Test
    void twoNatChainsOfEqualPriorityThatBothDnatAPortMakeItUnknownAndNameThem() {
        // ip nat PREROUTING (CNI's portmap) and ip docker-bridges nat-prerouting, both at -100, DNAT 8080 and 5353
        // to different containers: which one wins is the kernel's registration order, not something to rely on.
        DiffReport r = diff(withNft("podman4-cni", RecordedRunner.read(NFT)));
        assertEquals(2, r.count(PortStatus.UNKNOWN), r.ports().toString());
        assertEquals(1, r.count(PortStatus.NOT_EXPOSED), "a loopback-bound port stays not-exposed");
        for (PortReport p : r.ports()) {
            if (p.status() == PortStatus.UNKNOWN) {
                assertTrue(p.why().contains("prerouting base chains of equal priority -100 (ip nat PREROUTING, ip docker-bridges"
                        + " nat-prerouting)"), p.why());
            }
        }
        PortReport p8081 = r.ports().stream().filter(p -> p.mapping().hostPort() == 8081).findFirst().orElseThrow();
        assertEquals(PortStatus.GAP, p8081.status(), p8081.why());
        assertTrue(p8081.why().startsWith("dropped for every outside source by filter FORWARD policy DROP"), p8081.why());
        assertTrue(r.findings().stream().anyMatch(f -> f.detail().startsWith("native nftables table inet firewalld is judged")));
        assertFalse(r.findings().stream().anyMatch(f -> f.detail().contains("table ip filter")), "iptables-nft's own table is no note");
    }

    @Test
    void firewalldsForwardChainCannotOverrideAnIptablesDropPolicy() {
        // Without its prerouting chains, firewalld's forward chain accepts "ct status dnat"; that accept ends only
        // firewalld's chain, and ip filter FORWARD's policy DROP (priority 0, before it) has dropped the packet anyway.
        String nft = RecordedRunner.read(NFT).replace("\"hook\": \"prerouting\"", "\"hook\": \"output\"");
        DiffReport r = diff(withNft("podman4-cni", nft));
        assertEquals(3, r.count(PortStatus.GAP), r.ports().toString());
    }

    @Test
    void dockerBridgesMattersOnlyWhereItsRulesCanMatch() {
        String nft = without("firewalld");
        DiffReport podman = diff(withNft("podman4-cni", nft));
        PortReport p8081 = podman.ports().stream().filter(p -> p.mapping().hostPort() == 8081).findFirst().orElseThrow();
        assertEquals(PortStatus.GAP, p8081.status(), "oifname docker0, daddr 172.17.0.2, dport 8080: none matches 8081 on cni-podman0");
        for (int port : new int[] {8080, 5353}) {
            PortReport p = podman.ports().stream().filter(x -> x.mapping().hostPort() == port).findFirst().orElseThrow();
            assertEquals(PortStatus.UNKNOWN, p.status(), "Docker's nft DNAT claims host port " + port + " too");
            assertTrue(p.why().contains("ip docker-bridges nat-prerouting"), p.why());
        }
    }

    @Test
    void netavarksOwnTableOnlyDropsInvalidPackets() {
        assertEquals(3, diff(withNft("podman-netavark", without("firewalld", "docker-bridges"))).count(PortStatus.GAP));
    }

    @Test
    void rootlessPortsAreJudgedAgainstInputNeverAsForwardGaps() {
        String rules = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -p tcp -m tcp --dport 8083 -j ACCEPT\nCOMMIT\n";
        InputText ports = new InputText("podman-inspect-rootless.json",
                RecordedRunner.read(Path.of("src/test/resources/io/cnifix/ingest/json/ports/podman-inspect-rootless.json")));
        HostState h = HostStateBuilder.build(new StateSources(List.of(new InputText("iptables-save", rules)), List.of(ports),
                List.of(), List.of(), List.of(), List.of()));
        DiffReport r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
        PortReport slirp = r.ports().stream().filter(p -> p.mapping().hostPort() == 8081).findFirst().orElseThrow();
        PortReport pasta = r.ports().stream().filter(p -> p.mapping().hostPort() == 8083).findFirst().orElseThrow();
        assertEquals(PortStatus.GAP, slirp.status(), "INPUT's policy is the host's default, not a decision about this port");
        assertEquals("rootless (slirp4netns): published by a user-space listener, FORWARD does not apply; the host's INPUT"
                + " default keeps it closed (filter INPUT policy DROP); an INPUT accept for the port opens it", slirp.why());
        assertEquals(PortStatus.OK, pasta.status());
        assertTrue(pasta.why().startsWith("rootless (pasta): published by a user-space listener, FORWARD does not apply;"
                + " the host's INPUT rules let every outside source in (filter INPUT rule 1"), pasta.why());
        assertTrue(r.exposures().isEmpty());

        Plan plan = new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(true, false);
        assertTrue(plan.proven(), plan.proofProblems().toString());
        assertEquals(1, plan.additions().size(), plan.additions().toString());
        Proposal accept = plan.additions().get(0);
        assertEquals("INPUT", accept.chain());
        assertEquals(2, accept.position(), "after the admin's own INPUT rule, before the policy");
        assertTrue(accept.spec().startsWith("-p tcp -m tcp --dport 8081 -m comment --comment \"cnifix: "), accept.spec());
        HostState after = h.withRulesets(Proof.edited(h, plan.additions(), plan.removals()));
        assertFalse(new Comparer(after, DockerModel.CURRENT, Set.of()).compare().needsFixing());
        assertTrue(new Planner(after, DockerModel.CURRENT, Set.of(), null).plan(true, true).empty(),
                "idempotent, and prune keeps the rootless port's INPUT rule");
    }

    @Test
    void aRootlessPortGetsItsInputAcceptAboveTheCatchAllRejectAndBelowAdminDrops() {
        String rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -s 203.0.113.0/24 -j DROP\n"
                + "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT\n"
                + "-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";
        InputText ports = new InputText("podman-inspect-rootless.json",
                RecordedRunner.read(Path.of("src/test/resources/io/cnifix/ingest/json/ports/podman-inspect-rootless.json")));
        HostState h = HostStateBuilder.build(new StateSources(List.of(new InputText("iptables-save", rules)), List.of(ports),
                List.of(), List.of(), List.of(), List.of()));
        Plan plan = new Planner(h, DockerModel.CURRENT, Set.of(), null).plan(true, false);
        assertTrue(plan.proven(), plan.proofProblems().toString());
        assertEquals(List.of(4, 5), plan.additions().stream().map(Proposal::position).toList(), "right above the REJECT, one after the other");
        HostState after = h.withRulesets(Proof.edited(h, plan.additions(), plan.removals()));
        for (PortReport p : new Comparer(after, DockerModel.CURRENT, Set.of()).compare().ports()) {
            assertEquals(PortStatus.BLOCKED, p.status(), "the admin's DROP for 203.0.113.0/24 still decides first: " + p.why());
            assertTrue(p.sources().stream().anyMatch(g -> g.outcome().equals("accept")), p.why());
        }
    }
}
