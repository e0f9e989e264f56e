package io.cnifix.system;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Live container discovery, with the process boundary replaying real podman/docker output from fixtures/. */
class LiveContainersTest {
    static final Path RES = Path.of("src/test/resources/io/cnifix/system");
    static final Path CNI = Fixtures.ROOT.resolve("podman4-cni");
    static final Path NETAVARK = Fixtures.ROOT.resolve("podman-netavark");
    static final Path DOCKER = Fixtures.ROOT.resolve("docker20-classic");
    static final String WEB = "2498067b1f6a91d219e218f7305bd1b6dcb172549f0024cf32d9812d4ff79589";
    static final String MULTI = "fd7be1d5e7643f2213f78cb32642c138ad57351a14ad75eeceb2bbc9140ff826";
    static final String LOCAL = "d04fe74632569155e1837a855cd448ef5600334ed26e3606e69ce087223e64a0";
    static final String NO_DAEMON = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";

    @TempDir
    Path tmp;

    /** Podman 4.3 with CNI as recorded for fixtures/podman4-cni; Docker installed but no daemon. */
    RecordedRunner podmanCni() {
        return new RecordedRunner().installed("podman", "docker")
                .answerFile("podman info --format json", RES.resolve("podman-info-cni.json"))
                .answerFile("podman ps --format json", CNI.resolve("ports/podman-ps.json"))
                .answerFile("podman inspect " + WEB + " " + MULTI + " " + LOCAL, CNI.resolve("ports/podman-inspect.json"))
                .answer("podman network ls --format {{.Name}}", "podman\n")
                .answerFile("podman network inspect podman", CNI.resolve("networks/podman-network-inspect.json"))
                .fail("docker version --format {{.Server.Version}}", 1, NO_DAEMON);
    }

    /** The system directories, as on the host fixtures/podman4-cni was captured on, plus one stale cache file. */
    LiveContainers withDirs(RecordedRunner r) throws IOException {
        Path conf = tmp.resolve("etc/cni/net.d");
        Path results = tmp.resolve("var/lib/cni/results");
        Path netavark = tmp.resolve("etc/containers/networks");
        if (Files.isDirectory(conf)) {
            return new LiveContainers(r, conf, results, netavark);
        }
        Files.createDirectories(conf);
        Files.createDirectories(results);
        Files.createDirectories(netavark);
        Files.copy(CNI.resolve("networks/87-podman-bridge.conflist"), conf.resolve("87-podman-bridge.conflist"));
        try (var s = Files.list(CNI.resolve("ports/cni-results"))) {
            for (Path f : s.toList()) {
                Files.copy(f, results.resolve(f.getFileName()));
            }
        }
        String stale = RecordedRunner.read(CNI.resolve("ports/cni-results/podman-" + WEB + "-eth0")).replace(WEB, "0".repeat(64));
        Files.writeString(results.resolve("podman-" + "0".repeat(64) + "-eth0"), stale);
        Files.copy(NETAVARK.resolve("networks/podman-network-inspect.json"), netavark.resolve("podman.json"));
        return new LiveContainers(r, conf, results, netavark);
    }

    static List<String> paths(List<LiveContainers.Item> items) {
        return items.stream().map(LiveContainers.Item::path).toList();
    }

    @Test
    void podmanWithCniReadsPsInspectNetworksConfigsAndTheCacheOfRunningContainers() throws IOException {
        RecordedRunner r = podmanCni();
        LiveContainers.Capture c = withDirs(r).discover(new LiveContainers.Options(null, null, null));
        assertEquals(List.of("ports/cni-results/podman-" + WEB + "-eth0", "ports/cni-results/podman-" + LOCAL + "-eth0",
                "ports/cni-results/podman-" + MULTI + "-eth0", "ports/podman-inspect.json", "ports/podman-ps.json"),
                paths(c.ports()), "snapshot path order; the stale cache file is left out");
        assertEquals(List.of("networks/cni/87-podman-bridge.conflist", "networks/podman-network-inspect.json"), paths(c.networks()),
                "CNI backend: the netavark directory is not read");
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("1 CNI result cache file(s)") && n.contains("no running Podman container")), c.notes().toString());
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("no Docker daemon answers (docker version --format {{.Server.Version}} exited 1: Cannot connect")),
                c.notes().toString());
        assertEquals("4.3.1", c.versions().get("podman"));
        assertEquals("cni", c.versions().get("podman-network-backend"));
        assertEquals(List.of("podman", "inspect", WEB, MULTI, LOCAL), r.calls.get(2), "ids as argument list, no shell");
        assertFalse(r.called("docker ps -q --no-trunc"), "no daemon: nothing more is asked of docker");
    }

    @Test
    void liveDiscoveryJudgesLikeTheCapturedSnapshot() throws IOException {
        LiveContainers.Capture c = withDirs(podmanCni()).discover(new LiveContainers.Options(null, null, null));
        StateSources snap = Fixtures.sources("podman4-cni");
        StateSources live = new StateSources(snap.rules(), c.portTexts(), c.networkTexts(), snap.addresses(), snap.routes(), c.notes());
        HostState fromLive = HostStateBuilder.build(live);
        HostState fromSnapshot = HostStateBuilder.build(snap);
        assertEquals(strip(fromSnapshot.mappings()), strip(fromLive.mappings()));
        assertEquals(statuses(new Comparer(fromSnapshot, DockerModel.CURRENT, Set.of()).compare()),
                statuses(new Comparer(fromLive, DockerModel.CURRENT, Set.of()).compare()));
        assertEquals(List.of("web tcp 8080 gap", "local tcp 8082 not-exposed", "multi tcp 8081 gap", "multi udp 5353 gap"),
                statuses(new Comparer(fromLive, DockerModel.CURRENT, Set.of()).compare()));
    }

    static List<String> strip(List<PortMapping> ms) {
        return ms.stream().map(m -> m.containerId() + " " + m.containerName() + " " + m.network() + " " + m.protocol() + " "
                + m.hostIp() + ":" + m.hostPort() + " -> " + m.containerIp() + ":" + m.containerPort()).toList();
    }

    static List<String> statuses(DiffReport r) {
        return r.ports().stream().map(p -> p.mapping().containerName() + " " + p.mapping().protocol() + " "
                + p.mapping().hostPort() + " " + p.status().id).toList();
    }

    @Test
    void netavarkBackendReadsTheNetavarkDirectoryNotTheCniOne() throws IOException {
        String ps = RecordedRunner.read(NETAVARK.resolve("ports/podman-ps.json"));
        List<String> ids = LiveContainers.ids(ps, "Id");
        RecordedRunner r = new RecordedRunner().installed("podman")
                .answerFile("podman info --format json", RES.resolve("podman-info-netavark.json"))
                .answer("podman ps --format json", ps)
                .answerFile("podman inspect " + String.join(" ", ids), NETAVARK.resolve("ports/podman-inspect.json"))
                .answer("podman network ls --format {{.Name}}", "podman\n")
                .answerFile("podman network inspect podman", NETAVARK.resolve("networks/podman-network-inspect.json"));
        LiveContainers.Capture c = withDirs(r).discover(new LiveContainers.Options(null, null, null));
        assertEquals(List.of("networks/netavark/podman.json", "networks/podman-network-inspect.json"), paths(c.networks()));
        assertEquals(List.of("ports/podman-inspect.json", "ports/podman-ps.json"), paths(c.ports()), "no CNI cache with netavark");
        assertTrue(c.notes().contains("docker is not installed: no Docker containers read"), c.notes().toString());
        HostState h = HostStateBuilder.build(new StateSources(Fixtures.sources("podman-netavark").rules(), c.portTexts(),
                c.networkTexts(), List.of(), List.of(), List.of()));
        assertTrue(h.networks().stream().anyMatch(n -> n.name().equals("podman") && "podman0".equals(n.bridge())),
                "the stale CNI conflist does not give the netavark network the wrong bridge");
    }

    @Test
    void dockerThroughItsDaemonAddress() throws IOException {
        String docker = "/usr/bin/docker";
        String h = docker + " -H unix:///tmp/ens.x/docker/docker.sock";
        RecordedRunner r = new RecordedRunner().installed(docker)
                .answer(h + " version --format {{.Server.Version}}", "20.10.24+dfsg1\n")
                .answer(h + " ps -q --no-trunc", "8a3ba7f3ccf255ac8307504223aae1df951d4264ad6f9f0e5cc5810ed5c68446\n"
                        + "03e6fe4db71dd0cd5ba6ee0c6b0b1c3a403d8008f466feff0e3f4dd5b04eb70a\n"
                        + "c92a9b833b05bd3193121b55117b9f8037b30de57af44322d0656add7f743853\n")
                .answerFile(h + " inspect 8a3ba7f3ccf255ac8307504223aae1df951d4264ad6f9f0e5cc5810ed5c68446"
                        + " 03e6fe4db71dd0cd5ba6ee0c6b0b1c3a403d8008f466feff0e3f4dd5b04eb70a"
                        + " c92a9b833b05bd3193121b55117b9f8037b30de57af44322d0656add7f743853", DOCKER.resolve("ports/docker-inspect.json"))
                .answer(h + " network ls -q --no-trunc", "82a23b0c1b60bb9c8df4740604b42ed38d583c0bed8d2cfb6bcba1e6d86007ac\n")
                .answerFile(h + " network inspect 82a23b0c1b60bb9c8df4740604b42ed38d583c0bed8d2cfb6bcba1e6d86007ac",
                        DOCKER.resolve("networks/docker-network-inspect.json"));
        LiveContainers.Capture c = withDirs(r).discover(new LiveContainers.Options(LiveContainers.NONE, docker,
                "unix:///tmp/ens.x/docker/docker.sock"));
        assertEquals(List.of("ports/docker-inspect.json"), paths(c.ports()));
        assertEquals(List.of("networks/docker-network-inspect.json"), paths(c.networks()));
        assertEquals("20.10.24+dfsg1", c.versions().get("docker"));
        assertTrue(c.notes().contains("Podman not read (--podman none)"));
        assertTrue(r.calls.stream().allMatch(cmd -> cmd.subList(0, 3).equals(List.of(docker, "-H", "unix:///tmp/ens.x/docker/docker.sock"))));
        HostState host = HostStateBuilder.build(new StateSources(Fixtures.sources("docker20-classic").rules(), c.portTexts(),
                c.networkTexts(), List.of(), List.of(), List.of()));
        assertEquals(strip(Fixtures.host("docker20-classic").mappings()), strip(host.mappings()));
    }

    @Test
    void aContainerThatVanishedBetweenPsAndInspectIsSkippedWithANote() throws IOException {
        String inspectAll = RecordedRunner.read(CNI.resolve("ports/podman-inspect.json"));
        com.google.gson.JsonArray all = com.google.gson.JsonParser.parseString(inspectAll).getAsJsonArray();
        RecordedRunner r = podmanCni()
                .fail("podman inspect " + WEB + " " + MULTI + " " + LOCAL, 125, "Error: no such object: \"" + MULTI + "\"\n")
                .answer("podman inspect " + WEB, "[" + all.get(0) + "]")
                .fail("podman inspect " + MULTI, 125, "Error: no such object: \"" + MULTI + "\"\n")
                .answer("podman inspect " + LOCAL, "[" + all.get(2) + "]");
        LiveContainers.Capture c = withDirs(r).discover(new LiveContainers.Options(null, null, null));
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("podman container fd7be1d5e764 could not be inspected")
                && n.contains("exited 125: Error: no such object")), c.notes().toString());
        String merged = c.ports().stream().filter(i -> i.path().equals("ports/podman-inspect.json")).findFirst().orElseThrow().text().content();
        assertEquals(2, com.google.gson.JsonParser.parseString(merged).getAsJsonArray().size());
    }

    @Test
    void failuresTimeoutsAndBadOutputAreNotesNeverErrors() throws IOException {
        RecordedRunner r = new RecordedRunner().installed("podman", "docker")
                .answerFile("podman info --format json", RES.resolve("podman-info-cni.json"))
                .answer("podman ps --format json", "this is not JSON")
                .timeout("docker version --format {{.Server.Version}}");
        LiveContainers.Capture c = withDirs(r).discover(new LiveContainers.Options(null, null, null));
        assertTrue(c.ports().isEmpty());
        assertTrue(c.notes().contains("podman ps --format json printed no JSON array: no Podman containers read"), c.notes().toString());
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("did not finish within 15 s")), c.notes().toString());

        RecordedRunner broken = new RecordedRunner().installed("podman")
                .fail("podman info --format json", 125, "Error: cannot open /run/containers/storage: permission denied\n");
        LiveContainers.Capture b = withDirs(broken).discover(new LiveContainers.Options(null, null, null));
        assertTrue(b.notes().contains("podman does not answer (podman info --format json exited 125: Error: cannot open"
                + " /run/containers/storage: permission denied): no Podman containers read"), b.notes().toString());

        LiveContainers.Capture missing = withDirs(new RecordedRunner()).discover(new LiveContainers.Options("/opt/podman", null, null));
        assertTrue(missing.notes().contains("--podman /opt/podman: not an executable; no Podman containers read"), missing.notes().toString());
    }

    @Test
    void aConfigThatDoesNotParseIsSkippedWithItsFileAndLine() throws IOException {
        LiveContainers lc = withDirs(podmanCni());
        Files.writeString(tmp.resolve("etc/cni/net.d/99-broken.conflist"), "{\n  \"name\": \"x\",\n  \"plugins\": 7\n}\n");
        LiveContainers.Capture c = lc.discover(new LiveContainers.Options(null, null, null));
        assertFalse(paths(c.networks()).contains("networks/cni/99-broken.conflist"));
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("skipped ") && n.contains("99-broken.conflist")), c.notes().toString());
    }
}
