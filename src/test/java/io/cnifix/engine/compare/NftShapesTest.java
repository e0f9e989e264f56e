package io.cnifix.engine.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.engine.Decider;
import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.Verdict;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The nftables and firewalld host shapes, captured from real hosts with real connections as the judge
 * ({@code fixtures/<shape>/expected.json}): every published port's status must be one the measurement allows, and
 * every packet sent straight to a container address must get the fate the real probe met (answer, timeout or
 * reject), decided by the base chain the measurement names.
 */
class NftShapesTest {

    static List<String> shapes() {
        List<String> out = new ArrayList<>();
        for (String name : Fixtures.names()) {
            if (Files.exists(Fixtures.ROOT.resolve(name).resolve("expected.json"))) {
                out.add(name);
            }
        }
        return out;
    }

    @Test
    void theShapesOfIssue10AreThere() {
        assertTrue(shapes().containsAll(List.of("firewalld-podman-cni", "firewalld-netavark", "firewalld-drop-netavark",
                "netavark-nft-drop", "netavark-nft-firewalld", "docker29-nft-drop", "docker29-nft-firewalld",
                "firewalld-docker20")), shapes().toString());
    }

    @TestFactory
    Stream<DynamicTest> everyPortHasTheMeasuredStatus() {
        return shapes().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            JsonObject expected = expected(name);
            DiffReport r = new Comparer(Fixtures.host(name), DockerModel.CURRENT, Set.of()).compare();
            for (JsonElement e : expected.getAsJsonArray("ports")) {
                JsonObject want = e.getAsJsonObject();
                PortReport got = r.ports().stream().filter(p -> p.mapping().containerName().equals(want.get("container").getAsString())
                        && p.mapping().protocol().equals(want.get("protocol").getAsString())
                        && p.mapping().hostPort() == want.get("hostPort").getAsInt()).findFirst().orElseThrow();
                List<String> allowed = new ArrayList<>();
                want.getAsJsonArray("cnifixStatus").forEach(s -> allowed.add(s.getAsString()));
                assertTrue(allowed.contains(got.status().id), name + " " + want.get("container").getAsString() + " "
                        + want.get("hostPort") + ": measured " + want.get("probe") + ", cnifix says " + got.status().id + ": " + got.why());
                if (got.status() == PortStatus.OK && expected.get("firewalld").getAsBoolean()) {
                    assertTrue(got.why().contains("firewalld"), got.why());
                }
            }
            for (JsonElement e : expected.getAsJsonArray("direct")) {
                JsonObject d = e.getAsJsonObject();
                if (!d.get("exposure").getAsBoolean()) {
                    IpAddress ip = IpAddress.parse(d.get("containerIp").getAsString());
                    int port = d.get("port").getAsInt();
                    assertFalse(r.exposures().stream().anyMatch(x -> x.containerIp().equals(ip)
                            && x.protocol().equals(d.get("protocol").getAsString())
                            && x.ports().stream().anyMatch(pr -> pr.contains(port))), name + ": no real connection reaches " + ip + ":" + port);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> directPacketsMeetTheMeasuredFate() {
        return shapes().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            JsonObject expected = expected(name);
            HostState h = Fixtures.host(name);
            IpAddress engine = IpAddress.parse(expected.get("engineAddress").getAsString());
            String uplink = h.addresses().stream().filter(a -> a.address().equals(engine)).map(HostAddress::iface)
                    .findFirst().orElseThrow();
            Simulator sim = new Simulator(h.ruleset(Family.V4), h.nftTables(), HostNet.of(h, List.of(), List.of()));
            for (JsonElement e : expected.getAsJsonArray("direct")) {
                JsonObject d = e.getAsJsonObject();
                Packet p = Packet.newConnection(uplink, IpAddress.parse(expected.get("clientAddress").getAsString()),
                        IpAddress.parse(d.get("containerIp").getAsString()), Packet.protocolNumber(d.get("protocol").getAsString()),
                        40000, d.get("port").getAsInt());
                Trace t = sim.trace(p);
                String probe = d.get("probe").getAsString();
                Verdict want = switch (probe) {
                    case "timeout" -> Verdict.DROP;
                    case "rejected" -> Verdict.REJECT;
                    default -> Verdict.ACCEPT;
                };
                String what = name + " direct " + d.get("containerIp").getAsString() + ":" + d.get("port") + "/"
                        + d.get("protocol").getAsString() + " (" + probe + "): " + t.verdict() + " by "
                        + (t.decidedBy() == null ? "-" : t.decidedBy().describe());
                assertEquals(want, t.verdict(), what);
                if (d.has("measured") && d.getAsJsonObject("measured").has("chain")) {
                    String chain = d.getAsJsonObject("measured").get("chain").getAsString();
                    assertEquals(chain, deciding(t.decidedBy()), what);
                }
            }
        }));
    }

    /**
     * firewalld 2.x with StrictForwardPorts drops the blanket {@code ct status dnat accept}: the published ports then
     * meet zone public's dispatch and firewalld's reject, and the why says so in firewalld's words.
     */
    @Test
    void withoutTheBlanketDnatAcceptFirewalldsZoneRejectsAndIsNamed() {
        io.cnifix.ingest.StateSources f = Fixtures.sources("firewalld-netavark");
        List<io.cnifix.ingest.InputText> nft = new ArrayList<>();
        for (io.cnifix.ingest.InputText t : f.nft()) {
            com.google.gson.JsonObject root = JsonParser.parseString(t.content()).getAsJsonObject();
            com.google.gson.JsonArray kept = new com.google.gson.JsonArray();
            for (JsonElement e : root.getAsJsonArray("nftables")) {
                String s = e.toString();
                boolean blanket = s.contains("\"rule\"") && s.contains("\"chain\":\"filter_FORWARD\"")
                        && s.contains("\"key\":\"status\"") && s.contains("\"dnat\"");
                if (!blanket) {
                    kept.add(e);
                }
            }
            root.add("nftables", kept);
            nft.add(new io.cnifix.ingest.InputText(t.name(), root.toString()));
        }
        HostState h = io.cnifix.ingest.HostStateBuilder.build(new io.cnifix.ingest.StateSources(f.rules(), f.ports(),
                f.networks(), f.addresses(), f.routes(), f.notes(), nft));
        DiffReport r = new Comparer(h, DockerModel.CURRENT, Set.of()).compare();
        PortReport web = r.ports().stream().filter(p -> p.mapping().hostPort() == 8080).findFirst().orElseThrow();
        assertEquals(PortStatus.GAP, web.status(), web.why());
        assertTrue(web.why().startsWith("rejected for every outside source by table inet firewalld chain filter_FORWARD (priority 10)"), web.why());
        assertTrue(web.why().contains("firewalld zone public rejects it"), web.why());
    }

    /** "ip filter FORWARD", "inet firewalld filter_FORWARD": the base chain that decided, as the measurement names it. */
    private static String deciding(Decider d) {
        if (d instanceof Decider.ByNftRule n) {
            return n.table() + " " + n.baseChain();
        }
        if (d instanceof Decider.ByNftPolicy p) {
            return p.table() + " " + p.chain();
        }
        if (d instanceof Decider.ByPolicy p) {
            return "ip " + p.table() + " " + p.chain();
        }
        if (d instanceof Decider.ByRule r) {
            return "ip " + r.rule().table() + " " + r.rule().chain();
        }
        return String.valueOf(d);
    }

    private static JsonObject expected(String name) throws Exception {
        Path p = Fixtures.ROOT.resolve(name).resolve("expected.json");
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }
}
