package io.cnifix.watch;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.Engine;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainersTest {
    private static InputText inspect() throws Exception {
        return new InputText("podman inspect", Files.readString(Path.of("fixtures/podman4-cni/ports/podman-inspect.json")));
    }

    @Test
    void aDiscoveryIsSplitPerContainerWithTheSamePorts() throws Exception {
        InputText all = inspect();
        List<Containers.Known> split = Containers.split(Engine.PODMAN, all);
        List<PortMapping> whole = PortsReader.read(all).mappings().stream().filter(m -> m.containerIp() != null).toList();
        assertEquals(3, split.size());
        assertEquals(whole.size(), split.stream().mapToInt(k -> k.mappings().size()).sum());
        for (Containers.Known k : split) {
            assertTrue(k.mappings().stream().allMatch(m -> m.containerId().equals(k.id())), k.toString());
            // each text alone reads back to that container's ports
            assertEquals(k.mappings().size(), PortsReader.read(k.inspect()).mappings().stream().filter(m -> m.containerIp() != null).count());
        }
        assertEquals(List.of("web", "multi"), split.stream().map(Containers.Known::name).toList().subList(0, 2));
    }

    @Test
    void forgettingAContainerLeavesTheOthersPorts() throws Exception {
        Containers c = new Containers();
        c.replaceAll(Containers.split(Engine.PODMAN, inspect()), List.of());
        Containers.Known web = c.all().get(0);
        int others = c.mappingsExcept(web.id()).size();
        assertEquals(web, c.remove(web.id().substring(0, 12)), "a short id finds the container");
        assertNull(c.remove(web.id()), "a second stop event finds nothing");
        assertEquals(others, c.mappingsExcept("none").size());
        assertEquals(2, c.inspects().size());
    }

    @Test
    void notAnArrayGivesNoContainers() {
        assertEquals(List.of(), Containers.split(Engine.PODMAN, new InputText("x", "{\"Id\":\"a\"}")));
        assertEquals(List.of(), Containers.split(Engine.PODMAN, new InputText("x", "not json")));
        assertEquals(List.of(), Containers.split(Engine.PODMAN, new InputText("x", "[{\"NoId\":1}]")));
    }

    private static final String WEB = "234fe35c4e49a143640127d25430c167ba1b6eb2ed216b467215b0033979e61c";

    private static List<PortMapping> webFromRules() throws Exception {
        InputText rules = new InputText("iptables-save",
                Files.readString(Path.of("src/test/resources/io/cnifix/ingest/engine-dnat/netavark14-podman43.txt")));
        return io.cnifix.ingest.EngineDnat.of(WEB, "web", List.of(rules)).mappings();
    }

    @Test
    void aStartFromTheRulesReadsBackAsAnInspectWithTheEventsLabels() throws Exception {
        List<PortMapping> derived = webFromRules();
        assertEquals(4, derived.size());
        WatchEvent.About about = new WatchEvent.About("localhost/cnifix-busybox:latest",
                java.util.Map.of("io.cnifix.allow-from", "1.2.3.4/32", "foo", "bar"));
        Containers.Known k = Containers.fromRules(WEB, "web", about, derived);
        assertEquals(WEB, k.id());
        assertEquals("web", k.name());
        assertTrue(Containers.sameMappings(derived, k.mappings()), k.mappings().toString());
        PortsReader.PortsDocument doc = PortsReader.read(k.inspect());
        io.cnifix.model.Container c = doc.containers().get(0);
        assertEquals(Engine.PODMAN, c.engine());
        assertEquals("localhost/cnifix-busybox:latest", c.image());
        assertEquals(about.labels(), c.labels());
        assertEquals(List.of("podman"), c.networks());
        assertEquals(false, c.rootless());
    }

    @Test
    void aStartFromTheRulesNeedsTheLabelsAndPortsTimesAddresses() throws Exception {
        List<PortMapping> derived = webFromRules();
        WatchEvent.About about = new WatchEvent.About(null, java.util.Map.of());
        assertNull(Containers.fromRules(WEB, "web", null, derived), "labels unknown");
        assertNull(Containers.fromRules(WEB, "web", about, List.of()), "no ports");
        // a second IPv4 address for one of the ports: Podman would publish every port on both, the rules do not
        PortMapping first = derived.get(0);
        List<PortMapping> two = new java.util.ArrayList<>(derived);
        two.add(first.withContainerIp(io.cnifix.model.IpAddress.parse("10.89.0.2"), "other"));
        assertNull(Containers.fromRules(WEB, "web", about, two));
    }
}
