package io.cnifix.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.ingest.InputText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** snapshot: secrets redacted by default, one compressed file with --tar, read back by --snapshot. */
class SnapshotRedactTest {
    @Test
    void environmentAndSecretShapedValuesAreRedacted() {
        String inspect = """
                [{"Name": "db", "Config": {"Env": ["PATH=/usr/bin", "POSTGRES_PASSWORD=hunter2", "EMPTY="],
                  "Labels": {"io.cnifix.allow-from": "10.0.0.0/8", "api_token": "abc123"},
                  "Cmd": ["--url", "postgres://admin:s3cret@db:5432/x"]},
                  "CreateCommand": ["podman", "run", "-e", "API_KEY=xyz", "--env=SECRET=pqr", "-p", "8080:80", "img"],
                  "Key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIE...\\n-----END RSA PRIVATE KEY-----",
                  "NetworkSettings": {"IPAddress": "10.88.0.2", "Ports": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}}}]
                """;
        Redaction.Result r = Redaction.of(new InputText("inspect.json", inspect));
        String out = r.text().content();
        for (String secret : new String[] {"hunter2", "/usr/bin", "abc123", "s3cret", "xyz", "pqr", "MIIE"}) {
            assertFalse(out.contains(secret), secret + " in " + out);
        }
        for (String kept : new String[] {"POSTGRES_PASSWORD=<redacted>", "EMPTY=\"", "10.0.0.0/8", "\"8080:80\"", "10.88.0.2",
                "\"HostPort\": \"8080\"", "--env=SECRET=<redacted>"}) {
            assertTrue(out.contains(kept), kept + " not in " + out);
        }
        assertEquals(7, r.replaced());
        assertEquals(0, Redaction.of(new InputText("rules", "*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n")).replaced());
    }

    static Stream<String> fixtures() throws IOException {
        return JsonSchemaTest.fixtures();
    }

    /** The archive of each fixture judges exactly as the fixture does. */
    @ParameterizedTest
    @MethodSource("fixtures")
    void aTarSnapshotReadsBackTheSame(String fixture, @TempDir Path dir) {
        Path tar = dir.resolve("host.tar.gz");
        CliTest.Run w = CliTest.run("snapshot", "--snapshot", fixture, "--tar", tar.toString());
        assertEquals(0, w.code(), w.err());
        assertTrue(w.out().startsWith("snapshot written to " + tar), w.out());
        JsonObject direct = JsonParser.parseString(CliTest.run("diff", "--snapshot", fixture, "--format", "json").out()).getAsJsonObject();
        JsonObject viaTar = JsonParser.parseString(CliTest.run("diff", "--snapshot", tar.toString(), "--format", "json").out()).getAsJsonObject();
        assertEquals(direct.get("summary"), viaTar.get("summary"));
        assertEquals(direct.getAsJsonArray("ports").size(), viaTar.getAsJsonArray("ports").size());
        for (int i = 0; i < direct.getAsJsonArray("ports").size(); i++) {
            JsonObject a = direct.getAsJsonArray("ports").get(i).getAsJsonObject();
            JsonObject b = viaTar.getAsJsonArray("ports").get(i).getAsJsonObject();
            assertEquals(a.get("status"), b.get("status"));
            assertEquals(a.get("container"), b.get("container"));
        }
    }

    @Test
    void noRedactKeepsTheEnvironment(@TempDir Path dir) throws IOException {
        CliTest.Run kept = CliTest.run("snapshot", "--snapshot", "fixtures/docker-and-podman", "--no-redact", dir.resolve("a").toString());
        assertEquals(0, kept.code(), kept.err());
        assertTrue(Files.readString(dir.resolve("a/ports/podman-inspect.json")).contains("\"PATH=/usr/local/sbin"));
        assertTrue(Files.readString(dir.resolve("a/manifest.json")).contains("\"redacted\": false"));
        CliTest.Run red = CliTest.run("snapshot", "--snapshot", "fixtures/docker-and-podman", dir.resolve("b").toString());
        assertFalse(Files.readString(dir.resolve("b/ports/podman-inspect.json")).contains("/usr/local/sbin"));
        assertTrue(Files.readString(dir.resolve("b/manifest.json")).contains("\"redacted\": true"));
        assertTrue(red.out().contains("values redacted"), red.out());
    }

    @Test
    void anArchiveWithALinkIsRefused(@TempDir Path dir) throws Exception {
        Path content = dir.resolve("c");
        Files.createDirectories(content);
        Files.copy(Path.of("fixtures/podman4-cni/iptables-save.txt"), content.resolve("iptables-save.txt"));
        Files.createSymbolicLink(content.resolve("ip-address.json"), Path.of("/etc/hostname"));
        Path tar = dir.resolve("bad.tar.gz");
        Process p = new ProcessBuilder("tar", "-czf", tar.toString(), "-C", content.toString(), ".").start();
        assertEquals(0, p.waitFor());
        CliTest.Run r = CliTest.run("diff", "--snapshot", tar.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("not a plain file"), r.err());
        assertEquals(2, CliTest.run("snapshot", "--snapshot", "fixtures/podman4-cni").code(), "neither DIR nor --tar");
    }
}
