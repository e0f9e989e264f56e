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
}
