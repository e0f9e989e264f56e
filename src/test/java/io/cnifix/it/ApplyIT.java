package io.cnifix.it;

import io.cnifix.Fixtures;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.lab.Probe;
import io.cnifix.lab.ProbeResult;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * suggest --apply and prune --apply against real iptables in a network namespace, proven with real first packets
 * from a client namespace.
 */
@Tag("netns")
class ApplyIT {
    @TempDir
    Path tmp;

    static String rules(KernelLab lab) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : lab.hostExec(null, "iptables-save").split("\n")) {
            if (!line.startsWith("#")) {
                sb.append(line.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).append('\n');
            }
        }
        return sb.toString();
    }

    private List<String> apply(Path fixture, Path ports, String... extra) {
        List<String> a = new ArrayList<>(List.of(extra));
        a.addAll(CnifixProcess.stateArgs(fixture, ports));
        a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        return a;
    }

    /** A copy of the fixture's port files with one piece of text replaced. */
    private Path editedPorts(Path fixture, String from, String to) throws Exception {
        Path ports = tmp.resolve("ports");
        Files.createDirectories(ports);
        try (Stream<Path> s = Files.walk(fixture.resolve("ports"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.writeString(ports.resolve(p.getFileName().toString()), Files.readString(p).replace(from, to));
            }
        }
        return ports;
    }

    /** A lab shaped like the fixture's host, with the fixture's rules loaded; skips the test where no lab can run. */
    static KernelLab labWith(String fixture) throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        KernelLab lab = KernelLab.create(LabHost.of(Fixtures.host(fixture), List.of()));
        try {
            lab.loadRules(Files.readString(Fixtures.ROOT.resolve(fixture).resolve("iptables-save.txt")), null);
            return lab;
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
    }

    private static CnifixProcess.Result cnifix(KernelLab lab, Map<String, String> env, List<String> args) throws Exception {
        return CnifixProcess.run(lab.hostNetns(), env, args.toArray(String[]::new));
    }

    private static Arrival send(KernelLab lab, String iface, String proto, String dst, int port) throws Exception {
        List<ProbeResult> r = lab.probe(List.of(new Probe("p", iface, proto, "203.0.113.77", 0, dst, port)));
        return r.get(0).arrival();
    }

    @ParameterizedTest
    @ValueSource(strings = {"centos7-podman-cni", "podman4-cni", "podman-netavark", "docker-and-podman"})
    void applyOpensExactlyThePublishedPorts(String name) throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        Path fixture = Fixtures.ROOT.resolve(name);
        HostState h = Fixtures.host(name);
        LabTopology topo = LabHost.of(h, List.of());
        try (KernelLab lab = KernelLab.create(topo)) {
            lab.loadRules(Files.readString(fixture.resolve("iptables-save.txt")), null);
            HostAddress outside = LabHost.outside(h, topo);
            String iface = outside.iface();
            String host = outside.address().toString();
            for (PortMapping m : h.mappings()) {
                if (m.hostIp() == null && m.engine() == io.cnifix.model.Engine.PODMAN) {
                    assertInstanceOf(Arrival.None.class, send(lab, iface, m.protocol(), host, m.hostPort()), "before: " + m);
                }
            }
            CnifixProcess.Result r = cnifix(lab, Map.of(), apply(fixture, null, "suggest", "--apply"));
            assertEquals(0, r.code(), r.toString());
            for (PortMapping m : h.mappings()) {
                if (m.hostIp() != null) {
                    continue;
                }
                Arrival a = send(lab, iface, m.protocol(), host, m.hostPort());
                Arrival.Forwarded f = assertInstanceOf(Arrival.Forwarded.class, a, "after apply: " + m);
                assertEquals(m.containerIp().toString(), f.dst());
                assertEquals(m.containerPort(), f.dport());
                assertFalse(send(lab, iface, m.protocol(), host, m.hostPort() + 1000) instanceof Arrival.Forwarded, "unpublished port");
                if (m.engine() == io.cnifix.model.Engine.PODMAN) {
                    assertInstanceOf(Arrival.None.class, send(lab, iface, m.protocol(), m.containerIp().toString(), m.containerPort()),
                            "a direct route to the container stays closed: " + m);
                    assertInstanceOf(Arrival.None.class, send(lab, iface, m.protocol(), m.containerIp().toString(), m.containerPort() + 1),
                            "an unpublished container port stays closed: " + m);
                }
            }
            String after = rules(lab);
            CnifixProcess.Result again = cnifix(lab, Map.of(), apply(fixture, null, "suggest", "--apply"));
            assertEquals(0, again.code(), again.toString());
            assertTrue(again.out().contains("Nothing to do"), again.toString());
            assertEquals(after, rules(lab), "a second run changes nothing");
        }
    }

    @Test
    void aFailedRestoreIsRolledBackToTheExactRulesetBefore() throws Exception {
        Path fixture = Fixtures.ROOT.resolve("centos7-podman-cni");
        try (KernelLab lab = labWith("centos7-podman-cni")) {
            String before = rules(lab);
            // Applies the change for real, then reports failure: the worst case, a half-done transaction.
            Path failing = tmp.resolve("failing-restore");
            Files.writeString(failing, "#!/bin/sh\niptables-restore \"$@\"\nexit 1\n");
            Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwx------"));
            CnifixProcess.Result r = cnifix(lab, Map.of("CNIFIX_IPTABLES_RESTORE", failing.toString()),
                    apply(fixture, null, "suggest", "--apply"));
            assertEquals(4, r.code(), r.toString());
            assertTrue(r.err().contains("rolled back"), r.toString());
            assertEquals(before, rules(lab));
            try (Stream<Path> backups = Files.list(tmp.resolve("backups"))) {
                for (Path b : backups.toList()) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(b)));
                }
            }
        }
    }

    @Test
    void twoAppliesAtOnceAddTheRuleOnce() throws Exception {
        Path fixture = Fixtures.ROOT.resolve("podman4-cni");
        try (KernelLab lab = labWith("podman4-cni")) {
            List<String> cmd = CnifixProcess.command(lab.hostNetns(), List.of(),
                    apply(fixture, null, "suggest", "--apply").toArray(String[]::new));
            Process a = CnifixProcess.start(cmd, Map.of());
            Process b = CnifixProcess.start(cmd, Map.of());
            assertEquals(0, CnifixProcess.finish(a).code());
            assertEquals(0, CnifixProcess.finish(b).code());
            long owned = rules(lab).lines().filter(l -> l.contains("cnifix: ")).count();
            assertEquals(3, owned, rules(lab));
        }
    }

    @Test
    void aRestartedContainerGetsItsRuleMovedInOneTransaction() throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        Path fixture = Fixtures.ROOT.resolve("centos7-podman-cni");
        HostState h = Fixtures.host("centos7-podman-cni");
        LabTopology topo = LabHost.of(h, List.of("10.88.0.12"));
        try (KernelLab lab = KernelLab.create(topo)) {
            String original = Files.readString(fixture.resolve("iptables-save.txt"));
            lab.loadRules(original, null);
            assertEquals(0, cnifix(lab, Map.of(), apply(fixture, null, "suggest", "--apply")).code());
            String oldRule = rules(lab).lines().filter(l -> l.contains("cnifix: ")).findFirst().orElseThrow();
            // The engine re-created its rules for the new address; cnifix's old rule stayed behind.
            lab.loadRules(original.replace("10.88.0.11", "10.88.0.12").replace("-A CNI-FORWARD -d 10.88.0.12/32",
                    oldRule + "\n-A CNI-FORWARD -d 10.88.0.12/32"), null);
            Path ports = editedPorts(fixture, "10.88.0.11", "10.88.0.12");
            CnifixProcess.Result listed = cnifix(lab, Map.of(), apply(fixture, ports, "prune"));
            assertEquals(1, listed.code(), listed.toString());
            assertTrue(listed.out().contains("10.88.0.11/32"), listed.toString());
            CnifixProcess.Result r = cnifix(lab, Map.of(), apply(fixture, ports, "suggest", "--apply", "--prune"));
            assertEquals(0, r.code(), r.toString());
            List<String> owned = rules(lab).lines().filter(l -> l.contains("cnifix: ")).toList();
            assertEquals(1, owned.size(), owned.toString());
            assertTrue(owned.get(0).contains("10.88.0.12/32"));
            HostAddress outside = LabHost.outside(h, topo);
            Arrival.Forwarded f = assertInstanceOf(Arrival.Forwarded.class, send(lab, outside.iface(), "tcp", outside.address().toString(), 8080));
            assertEquals("10.88.0.12", f.dst());
        }
    }

    @Test
    void aNameFullOfQuotesAndShellCharactersIsStoredVerbatim() throws Exception {
        Path fixture = Fixtures.ROOT.resolve("centos7-podman-cni");
        try (KernelLab lab = labWith("centos7-podman-cni")) {
            Path ports = editedPorts(fixture, "\"web\"", "\"we\\\"b $(touch /tmp/pwned) `id` 'x' \\\\ ;|&\"");
            CnifixProcess.Result r = cnifix(lab, Map.of(), apply(fixture, ports, "suggest", "--apply"));
            assertEquals(0, r.code(), r.toString());
            String line = rules(lab).lines().filter(l -> l.contains("cnifix: ")).findFirst().orElseThrow();
            assertTrue(line.contains("--comment \"cnifix: we\\\"b $(touch /tmp/pwned) `id` \\'x\\' \\\\ ;|& tcp/8080\""), line);
            assertFalse(Files.exists(Path.of("/tmp/pwned")));
            CnifixProcess.Result again = cnifix(lab, Map.of(), apply(fixture, ports, "prune"));
            assertEquals(0, again.code(), "its own rule is recognised and still needed: " + again);
        }
    }

    @Test
    void applyWithoutRootExits3AndChangesNothing() throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        Path fixture = Fixtures.ROOT.resolve("centos7-podman-cni");
        List<String> args = new ArrayList<>(List.of("suggest", "--apply"));
        args.addAll(CnifixProcess.stateArgs(fixture, null));
        List<String> cmd = CnifixProcess.command(null, List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
                args.toArray(String[]::new));
        CnifixProcess.Result r = CnifixProcess.finish(CnifixProcess.start(cmd, Map.of()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("needs root"), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
    }
}
