package io.cnifix.ingest;

import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.Intent;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntentReaderTest {
    private static Container container(String name, String image, Map<String, String> labels) {
        return new Container("id-" + name, name, Engine.PODMAN, List.of("podman"), "bridge", false, "inspect.json", labels, image, null);
    }

    private static PortMapping mapping(String proto, int port) {
        return new PortMapping("id-web", "web", Engine.PODMAN, "podman", proto, null, port, null, 80, "x");
    }

    @Test
    void labelsDeclareSourcesPortsAndSkip() {
        Intent i = IntentReader.fromLabels(container("web", null, Map.of(Intent.LABEL_ALLOW_FROM, "10.0.0.0/8, 192.0.2.7",
                Intent.LABEL_PORTS, "8080/tcp,53")));
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.0.2.7/32")), i.allowFrom());
        assertTrue(i.restricts(mapping("tcp", 8080)));
        assertTrue(i.keepsClosed(mapping("udp", 8080)), "8080/tcp only");
        assertFalse(i.keepsClosed(mapping("udp", 53)), "53 on any protocol");
        assertTrue(i.keepsClosed(mapping("tcp", 9090)));
        assertEquals("label io.cnifix.allow-from on web", i.origin());

        Intent skip = IntentReader.fromLabels(container("db", null, Map.of(Intent.LABEL_SKIP, "TRUE")));
        assertTrue(skip.keepsClosed(mapping("tcp", 5432)));
        assertNull(IntentReader.fromLabels(container("plain", null, Map.of("maintainer", "x"))));
    }

    @Test
    void badLabelsNameTheContainerAndLabel() {
        InputException e = assertThrows(InputException.class, () -> IntentReader.fromLabels(
                container("web", null, Map.of(Intent.LABEL_ALLOW_FROM, "10.0.0.0/33"))));
        assertTrue(e.oneLine().contains("container web") && e.oneLine().contains("io.cnifix.allow-from"), e.oneLine());
        e = assertThrows(InputException.class, () -> IntentReader.fromLabels(container("web", null, Map.of(Intent.LABEL_SKIP, "yes"))));
        assertTrue(e.oneLine().contains("expected true or false"), e.oneLine());
        e = assertThrows(InputException.class, () -> IntentReader.fromLabels(container("web", null, Map.of(Intent.LABEL_PORTS, "80/icmp"))));
        assertTrue(e.oneLine().contains("protocol"), e.oneLine());
    }

    @Test
    void policyFileFirstMatchWinsAndLabelsComeFirst() {
        List<IntentReader.PolicyEntry> p = IntentReader.policy(new InputText("/etc/cnifix/policy.conf", """
                # admin's choices
                container web allow-from=203.0.113.0/24
                image docker.io/library/redis:* skip
                container * ports=443/tcp   # everything else: only 443
                """));
        assertEquals(3, p.size());
        List<Container> resolved = IntentReader.resolve(List.of(
                container("web", "x", Map.of()),
                container("cache", "docker.io/library/redis:7", Map.of()),
                container("other", "y", Map.of()),
                container("labelled", "docker.io/library/redis:7", Map.of(Intent.LABEL_ALLOW_FROM, "10.1.0.0/16"))), p);
        assertEquals("/etc/cnifix/policy.conf:2", resolved.get(0).intent().origin());
        assertTrue(resolved.get(1).intent().closed());
        assertEquals("/etc/cnifix/policy.conf:4", resolved.get(2).intent().origin());
        assertEquals("label io.cnifix.allow-from on labelled", resolved.get(3).intent().origin());
    }

    @Test
    void malformedPolicyLinesNameFileAndLine() {
        for (String[] bad : new String[][] {
            {"container web\n", "1"},
            {"\n\nhost web skip\n", "3"},
            {"container web allow-from=10.0.0.0/8 open\n", "1"},
            {"# c\ncontainer web ports=99999\n", "2"},
            {"container web allow-from=nonsense\n", "1"},
        }) {
            InputException e = assertThrows(InputException.class, () -> IntentReader.policy(new InputText("p.conf", bad[0])));
            assertEquals(Integer.parseInt(bad[1]), e.line(), e.oneLine());
            assertTrue(e.oneLine().startsWith("p.conf:" + bad[1] + ": "), e.oneLine());
        }
    }
}
