package io.cnifix.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The other iptables back end in a snapshot is judged too: its REJECT on the same hook decides. */
class OtherBackEndSnapshotTest {
    private static final Path FIXTURE = Path.of("fixtures/docker28");

    @TempDir
    Path tmp;

    private Path snapshot(String legacyRule) throws Exception {
        Path snap = tmp.resolve("snap");
        try (var s = Files.walk(FIXTURE)) {
            for (Path p : s.toList()) {
                Path to = snap.resolve(FIXTURE.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.writeString(snap.resolve("iptables-legacy-save.txt"), "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                + ":OUTPUT ACCEPT [0:0]\n" + legacyRule + "COMMIT\n");
        return snap;
    }

    private static JsonObject web(CliTest.Run r) {
        JsonArray ports = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("ports");
        for (var e : ports) {
            JsonObject p = e.getAsJsonObject();
            if (p.get("container").getAsString().equals("web") && p.get("containerIp").getAsString().equals("172.17.0.2")) {
                return p;
            }
        }
        throw new AssertionError(r.out());
    }

    @Test
    void aLegacyRejectOnAnOpenPortMakesItBlockedNamingTheRule() throws Exception {
        assertEquals("ok", web(CliTest.run("diff", "--snapshot", FIXTURE.toString(), "--format", "json")).get("status").getAsString());
        Path snap = snapshot("-A FORWARD -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j REJECT\n");
        JsonObject p = web(CliTest.run("diff", "--snapshot", snap.toString(), "--format", "json"));
        assertEquals("blocked", p.get("status").getAsString(), p.toString());
        assertTrue(p.toString().contains("iptables-legacy-save.txt:5"), "names the legacy file and line: " + p);
    }

    @Test
    void aLegacyBackEndThatLetsEverythingThroughChangesNothing() throws Exception {
        String plain = CliTest.run("diff", "--snapshot", FIXTURE.toString(), "--format", "json").out();
        String with = CliTest.run("diff", "--snapshot", snapshot("-A FORWARD -p tcp -m tcp --dport 9 -j DROP\n").toString(), "--format", "json").out();
        assertEquals(statuses(plain), statuses(with));
    }

    private static java.util.List<String> statuses(String json) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (var e : JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("ports")) {
            JsonObject p = e.getAsJsonObject();
            out.add(p.get("container").getAsString() + " " + p.get("hostPort") + " " + p.get("status").getAsString() + " " + p.get("why").getAsString()
                    .replaceAll("\\S*iptables-save.txt", "FILE"));
        }
        return out;
    }
}
