package io.cnifix.system;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.cli.CliContext;
import io.cnifix.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cnifix snapshot on a (replayed) live Docker 20.10 host, and every command reading the snapshot back. */
class SnapshotRoundTripTest {
    static final Path D = Fixtures.ROOT.resolve("docker20-classic");
    static final String DOCKER = "/usr/bin/docker";
    static final String SOCK = "unix:///tmp/ens.x/docker/docker.sock";
    static final String IDS = "8a3ba7f3ccf255ac8307504223aae1df951d4264ad6f9f0e5cc5810ed5c68446"
            + " 03e6fe4db71dd0cd5ba6ee0c6b0b1c3a403d8008f466feff0e3f4dd5b04eb70a"
            + " c92a9b833b05bd3193121b55117b9f8037b30de57af44322d0656add7f743853";
    static final String NET = "82a23b0c1b60bb9c8df4740604b42ed38d583c0bed8d2cfb6bcba1e6d86007ac";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static RecordedRunner liveDockerHost() {
        String h = DOCKER + " -H " + SOCK;
        return new RecordedRunner().installed("iptables-save", "ip6tables-save", "ip", "nft", "iptables", DOCKER)
                .answerFile("iptables-save", D.resolve("iptables-save.txt"))
                .answerFile("ip6tables-save", D.resolve("ip6tables-save.txt"))
                .answerFile("nft -j list ruleset", D.resolve("nft-ruleset.json"))
                .answerFile("ip -j address", Fixtures.ROOT.resolve("docker28/ip-address.json"))
                .answerFile("ip -j route", D.resolve("ip-route.json"))
                .answerFile("ip -6 -j route", D.resolve("ip6-route.json"))
                .answer("iptables --version", "iptables v1.8.9 (nf_tables)\n")
                .answer("nft --version", "nftables v1.0.6 (Lester Gooch #5)\n")
                .answer(h + " version --format {{.Server.Version}}", "20.10.24+dfsg1\n")
                .answer(h + " ps -q --no-trunc", IDS.replace(' ', '\n') + "\n")
                .answerFile(h + " inspect " + IDS, D.resolve("ports/docker-inspect.json"))
                .answer(h + " network ls -q --no-trunc", NET + "\n")
                .answerFile(h + " network inspect " + NET, D.resolve("networks/docker-network-inspect.json"));
    }

    static Run run(RecordedRunner r, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new CliContext(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), r));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Rule sources (also inside "why") are where a rule was read: "iptables-save" live, ".../iptables-save.txt" in a snapshot. */
    static JsonElement normalised(String json) {
        JsonElement e = JsonParser.parseString(json);
        normalise(e);
        return e;
    }

    private static void normalise(JsonElement e) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(SnapshotRoundTripTest::normalise);
        } else if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.has("source") && o.get("source").isJsonPrimitive()) {
                String s = o.get("source").getAsString();
                s = s.substring(s.lastIndexOf('/') + 1).replaceFirst("\\.txt$", "");
                o.addProperty("source", s);
            }
            if (o.has("why") && o.get("why").isJsonPrimitive()) {
                // "(iptables-save:16)" live, "(/tmp/.../iptables-save.txt:16)" from a snapshot
                o.addProperty("why", o.get("why").getAsString().replaceAll("\\((/[^ ]*/)?([a-z0-9-]+?)(\\.txt)?:(\\d+)\\)", "($2:$4)"));
            }
            o.entrySet().forEach(x -> normalise(x.getValue()));
        }
    }

    @Test
    void aSnapshotOfTheLiveHostJudgesExactlyLikeTheLiveHost() throws Exception {
        Path dir = tmp.resolve("snap");
        String[] engines = {"--podman", "none", "--docker", DOCKER, "--docker-host", SOCK};
        Run snap = run(liveDockerHost(), concat(new String[] {"snapshot", dir.toString()}, engines));
        assertEquals(0, snap.code(), snap.err());
        for (String f : new String[] {"iptables-save.txt", "ip6tables-save.txt", "ip-address.json", "ip-route.json", "ip6-route.json",
                "nft-ruleset.json", "manifest.json", "ports/docker-inspect.json", "networks/docker-network-inspect.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))), f);
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals(RecordedRunner.read(D.resolve("iptables-save.txt")), Files.readString(dir.resolve("iptables-save.txt")), "verbatim");
        JsonObject manifest = JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
        assertTrue(manifest.has("host") && manifest.has("time"));
        JsonObject tools = manifest.getAsJsonObject("tools");
        assertEquals("20.10.24+dfsg1", tools.get("docker").getAsString());
        assertEquals("1.8.9 (nf_tables)", tools.get("iptables").getAsString());
        assertEquals("1.0.6 (Lester Gooch #5)", tools.get("nftables").getAsString());

        Run live = run(liveDockerHost(), concat(new String[] {"diff", "--format", "json"}, engines));
        Run fromSnapshot = run(new RecordedRunner(), "diff", "--snapshot", dir.toString(), "--format", "json");
        assertEquals(1, live.code(), live.err());
        assertEquals(live.code(), fromSnapshot.code());
        assertFalse(live.out().equals(fromSnapshot.out()), "the rule sources name where each was read");
        assertEquals(normalised(live.out()), normalised(fromSnapshot.out()));

        Run again = run(liveDockerHost(), concat(new String[] {"snapshot", dir.toString()}, engines));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("is not empty"), again.err());
        Files.writeString(dir.resolve("ports/stale.json"), "[]");
        Files.writeString(dir.resolve("NOTES.txt"), "mine");
        Run forced = run(liveDockerHost(), concat(new String[] {"snapshot", dir.toString(), "--force"}, engines));
        assertEquals(0, forced.code(), forced.err());
        assertFalse(Files.exists(dir.resolve("ports/stale.json")), "--force replaces the snapshot's own files");
        assertTrue(Files.exists(dir.resolve("NOTES.txt")), "and leaves other files alone");
    }

    @Test
    void engineOptionsAskTheLiveHostOnly() {
        Run r = run(new RecordedRunner(), "diff", "--snapshot", D.toString(), "--docker", DOCKER);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--podman, --docker and --docker-host ask the live host"), r.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
