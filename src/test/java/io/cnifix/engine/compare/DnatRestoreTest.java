package io.cnifix.engine.compare;

import io.cnifix.Fixtures;
import io.cnifix.model.HostState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After firewall-cmd --reload (the fixtures' after-reload/iptables-save.txt), missing-dnat names the engine and its command. */
class DnatRestoreTest {
    private static List<PortReport> afterReload(String shape) throws IOException {
        String flushed = Files.readString(Fixtures.ROOT.resolve(shape).resolve("after-reload/iptables-save.txt"));
        HostState h = Fixtures.host(shape, t -> flushed);
        return new Comparer(h, DockerModel.CURRENT, Set.of()).compare().ports();
    }

    private static PortReport web(List<PortReport> ports) {
        return ports.stream().filter(p -> p.mapping().hostPort() == 8080).findFirst().orElseThrow();
    }

    @Test
    void netavarkNamesPodmanNetworkReloadAndTheReloadService() throws IOException {
        PortReport r = web(afterReload("firewalld-drop-netavark"));
        assertTrue(r.status() == PortStatus.MISSING_DNAT, r.status() + " " + r.why());
        assertTrue(r.why().contains("netavark's DNAT is gone") && r.why().contains("'podman network reload --all'")
                && r.why().contains("netavark-firewalld-reload"), r.why());
    }

    @Test
    void cniNamesPodmanNetworkReload() throws IOException {
        PortReport r = web(afterReload("firewalld-podman-cni"));
        assertTrue(r.status() == PortStatus.MISSING_DNAT, r.status() + " " + r.why());
        assertTrue(r.why().contains("CNI portmap DNAT is gone") && r.why().contains("'podman network reload --all'"), r.why());
        assertFalse(r.why().contains("netavark"), r.why());
    }

    @Test
    void dockerNamesItsReloadedSignalAndRestart() {
        // Docker writes its rules again on the Reloaded signal (the fixture's after-reload shows it did): here it did not
        HostState h = Fixtures.host("firewalld-docker20", t -> t.replaceAll("(?m)^-A DOCKER .*-j DNAT.*\n", ""));
        PortReport r = web(new Comparer(h, DockerModel.CURRENT, Set.of()).compare().ports());
        assertTrue(r.status() == PortStatus.MISSING_DNAT, r.status() + " " + r.why());
        assertTrue(r.why().contains("Docker's DNAT is gone") && r.why().contains("'systemctl restart docker'"), r.why());
    }

    @Test
    void otherStatusesAreLeftAlone() {
        HostState h = Fixtures.host("firewalld-drop-netavark");
        new Comparer(h, DockerModel.CURRENT, Set.of()).compare().ports()
                .forEach(p -> assertFalse(p.why().contains("DNAT is gone"), p.why()));
    }
}
