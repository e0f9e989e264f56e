package io.cnifix.engine.compare;

import io.cnifix.Fixtures;
import io.cnifix.engine.Decider;
import io.cnifix.model.HostState;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiffFixturesTest {
    private static DiffReport diff(HostState h, DockerModel model) {
        return new Comparer(h, model, Set.of()).compare();
    }

    /** "container proto/hostport" to status id. */
    private static Map<String, String> statuses(DiffReport r) {
        Map<String, String> out = new TreeMap<>();
        r.ports().forEach(p -> out.put(p.mapping().containerName() + " " + p.mapping().protocol() + "/" + p.mapping().hostPort(), p.status().id));
        return out;
    }

    @Test
    void seedScenarioIsAGapDecidedByRhelsReject() {
        DiffReport r = diff(Fixtures.host("centos7-podman-cni"), DockerModel.CURRENT);
        assertEquals(Map.of("web tcp/8080", "gap"), statuses(r));
        Decider.ByRule by = assertInstanceOf(Decider.ByRule.class, r.ports().get(0).decidedBy());
        assertTrue(by.rule().text().contains("REJECT --reject-with icmp-host-prohibited"), by.rule().text());
        assertEquals("FORWARD", by.rule().chain());
        assertTrue(r.exposures().isEmpty());
        assertTrue(r.needsFixing());
    }

    @Test
    void podmanWithCniAndWithNetavarkHaveGapsDecidedByThePolicy() {
        for (String name : new String[] {"podman4-cni", "podman-netavark"}) {
            DiffReport r = diff(Fixtures.host(name), DockerModel.CURRENT);
            assertEquals(Map.of("web tcp/8080", "gap", "multi tcp/8081", "gap", "multi udp/5353", "gap", "local tcp/8082", "not-exposed"),
                    statuses(r), name);
            for (PortReport p : r.ports()) {
                if (p.status() == PortStatus.GAP) {
                    Decider.ByPolicy pol = assertInstanceOf(Decider.ByPolicy.class, p.decidedBy(), name);
                    assertEquals("FORWARD", pol.chain());
                    assertEquals("DROP", pol.policy());
                }
            }
            assertTrue(r.exposures().isEmpty(), name + " " + r.exposures());
        }
    }

    @Test
    void docker20IsOkAndItsDirectRoutesAreExposuresOnlyUnderTheCurrentReference() {
        DiffReport current = diff(Fixtures.host("docker20-classic"), DockerModel.CURRENT);
        assertEquals(Map.of("web tcp/8080", "ok", "multi tcp/8081", "ok", "multi udp/5353", "ok", "local tcp/8082", "not-exposed"),
                statuses(current));
        assertFalse(current.exposures().isEmpty());
        assertTrue(current.exposures().stream().anyMatch(e -> e.containerIp().toString().equals("172.17.0.2")
                && e.protocol().equals("tcp") && e.ports().size() == 1 && e.ports().get(0).first() == 80 && e.sources() == null));
        DiffReport classic = diff(Fixtures.host("docker20-classic"), DockerModel.CLASSIC);
        assertTrue(classic.exposures().isEmpty(), classic.exposures().toString());
        assertFalse(classic.needsFixing());
    }

    @Test
    void docker28IsCleanUnderTheCurrentReference() {
        DiffReport r = diff(Fixtures.host("docker28"), DockerModel.CURRENT);
        assertEquals(Map.of("web tcp/8080", "ok", "dns udp/5353", "ok", "local tcp/8082", "not-exposed"), statuses(r));
        assertTrue(r.exposures().isEmpty(), r.exposures().toString());
        assertFalse(r.needsFixing());
    }

    @Test
    void dockersDropPolicyCutsPodmanOffWhenBothRun() {
        DiffReport r = diff(Fixtures.host("docker-and-podman"), DockerModel.CURRENT);
        assertEquals(Map.of("dweb tcp/8090", "ok", "pweb tcp/8080", "gap"), statuses(r));
        PortReport p = r.ports().stream().filter(x -> x.mapping().containerName().equals("pweb")).findFirst().orElseThrow();
        assertInstanceOf(Decider.ByPolicy.class, p.decidedBy());
    }

    @Test
    void anAdminDropForOneSourceIsBlockedNotAGap() {
        HostState h = Fixtures.host("docker28", t -> t.replace("-A DOCKER-FORWARD -j DOCKER-CT", "-A DOCKER-USER -s 203.0.113.0/24 -p tcp -m conntrack --ctorigdstport 8080 -j DROP\n-A DOCKER-FORWARD -j DOCKER-CT"));
        DiffReport r = diff(h, DockerModel.CURRENT);
        PortReport web = r.ports().stream().filter(x -> x.mapping().containerName().equals("web")).findFirst().orElseThrow();
        assertEquals(PortStatus.BLOCKED, web.status(), web.why());
        SourceGroup dropped = web.sources().stream().filter(g -> !g.outcome().equals("accept")).findFirst().orElseThrow();
        assertTrue(dropped.admin());
        assertEquals("[203.0.113.0/24]", dropped.sources().toString());
        assertEquals("ok", statuses(r).get("dns udp/5353"));
    }

    @Test
    void theBlogsOverBroadRuleExposesEveryTcpPortOfTheContainer() {
        HostState h = Fixtures.host("centos7-podman-cni", t -> t.replace("-A FORWARD -m comment",
                "-A FORWARD -p tcp ! -i cni0 -o cni0 -j ACCEPT\n-A FORWARD -m comment"));
        DiffReport r = diff(h, DockerModel.CURRENT);
        assertEquals(Map.of("web tcp/8080", "ok"), statuses(r));
        Exposure e = r.exposures().stream().filter(x -> x.protocol().equals("tcp")).findFirst().orElseThrow();
        assertEquals("10.88.0.11", e.containerIp().toString());
        assertEquals(1, e.ports().size());
        assertEquals(1, e.ports().get(0).first());
        assertEquals(65535, e.ports().get(0).last());
        assertNull(e.sources());
        assertTrue(r.exposures().stream().noneMatch(x -> x.protocol().equals("udp")));
    }
}
