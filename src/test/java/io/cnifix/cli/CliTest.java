package io.cnifix.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.system.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    record Run(int code, String out, String err) {
    }

    static Run withStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new CliContext(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), new ProcessRunner()));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... args) {
        return withStdin("", args);
    }

    @Test
    void diffExitCodesFollowTheContract() {
        assertEquals(1, run("diff", "--snapshot", "fixtures/centos7-podman-cni").code());
        assertEquals(0, run("diff", "--snapshot", "fixtures/docker28").code());
        assertEquals(1, run("diff", "--snapshot", "fixtures/docker20-classic").code(), "exposures under the current reference");
        assertEquals(0, run("diff", "--snapshot", "fixtures/docker20-classic", "--docker-model", "classic").code());
    }

    @Test
    void diffJsonHasTheContractFields() {
        Run r = run("diff", "--snapshot", "fixtures/centos7-podman-cni", "--format", "json");
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject port = j.getAsJsonArray("ports").get(0).getAsJsonObject();
        for (String f : new String[] {"container", "containerId", "engine", "network", "bridge", "protocol", "hostIp",
                "hostPort", "containerIp", "containerPort", "status", "decidedBy", "sources"}) {
            assertTrue(port.has(f), f);
        }
        assertEquals("web", port.get("container").getAsString());
        assertEquals("podman", port.get("engine").getAsString());
        assertEquals("cni0", port.get("bridge").getAsString());
        assertEquals("gap", port.get("status").getAsString());
        assertEquals("", port.get("hostIp").getAsString());
        assertEquals(8080, port.get("hostPort").getAsInt());
        assertEquals("10.88.0.11", port.get("containerIp").getAsString());
        JsonObject by = port.getAsJsonObject("decidedBy");
        assertEquals("FORWARD", by.get("chain").getAsString());
        assertEquals(2, by.get("rule").getAsInt());
        assertEquals(39, by.get("line").getAsInt());
        JsonObject summary = j.getAsJsonObject("summary");
        for (String f : new String[] {"ok", "gap", "blocked", "missingDnat", "notExposed", "unknown", "exposures"}) {
            assertTrue(summary.has(f), f);
        }
        assertEquals(1, summary.get("gap").getAsInt());
    }

    @Test
    void traceJsonAndExitCode() {
        Run r = run("trace", "--snapshot", "fixtures/centos7-podman-cni", "--in", "eth0", "--src", "203.0.113.9",
                "--dst", "172.31.80.10", "--proto", "tcp", "--dport", "8080", "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("REJECT", j.get("verdict").getAsString());
        assertEquals("10.88.0.11", j.getAsJsonObject("dnat").get("address").getAsString());
        assertEquals(80, j.getAsJsonObject("dnat").get("port").getAsInt());
        assertFalse(j.getAsJsonArray("path").isEmpty());
        assertTrue(j.getAsJsonArray("unknownRules").isEmpty());
    }

    @Test
    void badRulesFileNamesFileAndLineInOneLineWithExit2(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.save");
        Files.writeString(f, "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.300 -j ACCEPT\nCOMMIT\n");
        Run r = run("diff", "--rules", f.toString(), "--offline");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("cnifix: " + f + ":3: bad address '10.0.0.300'"), r.err());
        assertFalse(r.err().contains("Exception"));
    }

    @Test
    void badJsonNamesTheFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ports.json");
        Files.writeString(f, "[\n {\"Id\": \"abc\",\n  \"Ports\": [ {\"host_port\": 8080,, } ]\n}]\n");
        Run r = run("diff", "--rules", "fixtures/centos7-podman-cni/iptables-save.txt", "--ports", f.toString(), "--offline");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cnifix: " + f + ":3"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingFileAndStdin() {
        Run missing = run("show", "--rules", "/nonexistent/x.save", "--offline");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("/nonexistent/x.save: cannot read: no such file"), missing.err());
        Run stdin = withStdin("*filter\n:FORWARD DROP [0:0]\nCOMMIT\n", "show", "--rules", "-", "--offline", "--format", "json");
        assertEquals(0, stdin.code(), stdin.err());
        assertTrue(stdin.out().contains("\"policy\": \"DROP\""));
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run("diff", "--format", "yaml", "--snapshot", "fixtures/docker28").code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("trace", "--snapshot", "fixtures/docker28", "--in", "eth0", "--src", "1.2.3.4", "--dst", "nope",
                "--proto", "tcp", "--dport", "80").code());
        assertEquals(2, run("diff", "--snapshot", "fixtures/docker28", "--docker-model", "ancient").code());
        assertEquals(2, run("suggest", "--snapshot", "fixtures/docker28", "--position", "3").code());
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("diff") && help.out().contains("suggest") && help.out().contains("Exit codes"));
        assertEquals(0, run("diff", "--help").code());
        assertTrue(run("--version").out().startsWith("cnifix "));
    }

    @Test
    void suggestFormats() {
        Run text = run("suggest", "--snapshot", "fixtures/centos7-podman-cni");
        assertEquals(1, text.code());
        Run restore = run("suggest", "--snapshot", "fixtures/centos7-podman-cni", "--format", "restore");
        assertTrue(restore.out().startsWith("*filter\n-I CNI-FORWARD 2 -d 10.88.0.11/32"), restore.out());
        assertFalse(restore.out().contains(":CNI-FORWARD"), "declares no chain it does not own");
        Run json = run("suggest", "--snapshot", "fixtures/centos7-podman-cni", "--format", "json");
        JsonObject j = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals(1, j.getAsJsonArray("rules").size());
        assertTrue(j.get("proven").getAsBoolean());
        assertEquals(0, run("suggest", "--snapshot", "fixtures/docker28").code());
    }

    @Test
    void againstADockerSnapshotPairsByNameAndContainerPort() {
        Run r = run("diff", "--snapshot", "fixtures/podman4-cni", "--against", "fixtures/docker20-classic", "--format", "json");
        assertEquals(1, r.code(), r.err());
        var pairs = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("against");
        assertEquals(4, pairs.size());
        for (var e : pairs) {
            JsonObject p = e.getAsJsonObject();
            String expected = p.get("container").getAsString().equals("local") ? "same" : "lost";
            assertEquals(expected, p.get("change").getAsString(), p.toString());
        }
    }
}
