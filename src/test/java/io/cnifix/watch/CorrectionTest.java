package io.cnifix.watch;

import io.cnifix.ingest.EngineDnat;
import io.cnifix.ingest.InputText;
import io.cnifix.model.Engine;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What podman inspect's answer changes about a start opened from the engine's rules. */
class CorrectionTest {
    private static final String WEB = "234fe35c4e49a143640127d25430c167ba1b6eb2ed216b467215b0033979e61c";
    private static final WatchEvent.About ABOUT = new WatchEvent.About("localhost/cnifix-busybox:latest", Map.of("foo", "bar"));

    private static Containers.Known fromRules(WatchEvent.About about) throws Exception {
        InputText rules = new InputText("iptables-save",
                Files.readString(Path.of("src/test/resources/io/cnifix/ingest/engine-dnat/netavark14-podman43.txt")));
        return Containers.fromRules(WEB, "web", about, EngineDnat.of(WEB, "web", List.of(rules)).mappings());
    }

    /** The engine's inspect of web as Podman 4.3 prints it (the fields cnifix reads), with the given ports and labels. */
    private static Containers.Known inspected(String ip, String ports, String labels) {
        String json = "[{\"Id\":\"" + WEB + "\",\"Name\":\"web\",\"ImageName\":\"localhost/cnifix-busybox:latest\","
                + "\"OCIRuntime\":\"crun\",\"Config\":{\"Image\":\"localhost/cnifix-busybox:latest\",\"Labels\":" + labels + "},"
                + "\"HostConfig\":{\"NetworkMode\":\"bridge\"},\"NetworkSettings\":{\"IPAddress\":\"" + ip + "\",\"Ports\":" + ports
                + ",\"Networks\":{\"podman\":{\"IPAddress\":\"" + ip + "\"}}}}]";
        return Containers.fromInspect(Engine.PODMAN, WEB, new InputText("podman inspect", json));
    }

    private static final String PORTS = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
            + "\"90/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8090\"}],"
            + "\"9000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000\"}],\"9001/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9001\"}]}";

    @Test
    void anInspectThatAgreesChangesNothing() throws Exception {
        assertNull(Correction.of(fromRules(ABOUT), inspected("10.88.0.2", PORTS, "{\"foo\":\"bar\"}")));
        // labels cnifix does not read may differ
        assertNull(Correction.of(fromRules(ABOUT), inspected("10.88.0.2", PORTS, "{\"foo\":\"other\"}")));
    }

    @Test
    void aPortTheEngineDoesNotHaveIsPrunedAndTheRestKept() throws Exception {
        String fewer = PORTS.replace(",\"9001/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9001\"}]", "");
        Correction c = Correction.of(fromRules(ABOUT), inspected("10.88.0.2", fewer, "{\"foo\":\"bar\"}"));
        assertEquals(List.of(9001), c.prune().stream().map(PortMapping::hostPort).toList());
        assertTrue(c.reapply());
    }

    @Test
    void anotherAddressPrunesEveryRuleOfTheOldOneAndAppliesAgain() throws Exception {
        Containers.Known p = fromRules(ABOUT);
        Correction c = Correction.of(p, inspected("10.88.0.7", PORTS, "{\"foo\":\"bar\"}"));
        assertEquals(p.mappings(), c.prune());
        assertTrue(c.reapply());
        assertTrue(c.why().contains("the rules did not show"), c.why());
    }

    @Test
    void aCnifixLabelTheEventDidNotShowPrunesAllAndAppliesAgain() throws Exception {
        // the same ports, but the engine says the ports are to be open to one source only: every rule opened
        // from the event goes (a rule open to all covers the port too), then the inspected container is applied
        Containers.Known p = fromRules(ABOUT);
        Correction c = Correction.of(p, inspected("10.88.0.2", PORTS, "{\"foo\":\"bar\",\"io.cnifix.allow-from\":\"192.0.2.9/32\"}"));
        assertEquals(p.mappings(), c.prune());
        assertTrue(c.reapply());
        assertTrue(c.why().contains("labels"), c.why());
        // and a different image (a policy file matches by image)
        Containers.Known other = fromRules(new WatchEvent.About("docker.io/library/nginx:latest", Map.of("foo", "bar")));
        assertEquals(other.mappings(), Correction.of(other, inspected("10.88.0.2", PORTS, "{\"foo\":\"bar\"}")).prune());
    }

    @Test
    void noPortsAnyMorePrunesWithoutApplying() throws Exception {
        Containers.Known p = fromRules(ABOUT);
        Correction c = Correction.of(p, inspected("10.88.0.2", "{}", "{\"foo\":\"bar\"}"));
        assertEquals(p.mappings(), c.prune());
        assertFalse(c.reapply());
    }
}
