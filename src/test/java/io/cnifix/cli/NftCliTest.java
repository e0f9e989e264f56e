package io.cnifix.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** suggest and status on the measured host where the admin's own nftables chain drops (fixtures/admin-nft-netavark). */
class NftCliTest {
    private static final String FX = "fixtures/admin-nft-netavark";

    @Test
    void suggestShowsNftRulesInTheirOwnWords() {
        CliTest.Run nft = CliTest.run("suggest", "--snapshot", FX, "--format", "nft");
        List<String> lines = nft.out().lines().toList();
        assertEquals(6, lines.size(), nft.out() + nft.err());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("nft insert rule inet filter forward 'ip ")), nft.out());
        assertTrue(lines.contains("nft insert rule inet filter forward 'ip daddr 10.88.0.2 iifname != \"podman0\" oifname \"podman0\""
                + " tcp dport 80 ct status dnat ct original proto-dst 8080 accept comment \"cnifix: web tcp/8080\"'"), nft.out());
        CliTest.Run text = CliTest.run("suggest", "--snapshot", FX);
        assertTrue(text.out().startsWith("nftables table inet filter, chain forward:\n+ at the top: ip daddr"), text.out());
        JsonObject j = JsonParser.parseString(CliTest.run("suggest", "--snapshot", FX, "--format", "json").out()).getAsJsonObject();
        for (var r : j.getAsJsonArray("rules")) {
            JsonObject o = r.getAsJsonObject();
            assertEquals("nft", o.get("backend").getAsString());
            assertEquals("inet filter", o.get("table").getAsString());
            assertTrue(o.get("line").getAsString().startsWith("nft insert rule inet filter forward "), o.toString());
        }
        assertTrue(j.get("proven").getAsBoolean());
    }

    /** The snapshot with cnifix's rules for web (first packet and return path) in inet filter forward, and web gone. */
    @Test
    void statusAndPruneSeeOwnedNftRules(@TempDir Path dir) throws Exception {
        Path snap = dir.resolve("snap");
        try (Stream<Path> s = Files.walk(Path.of(FX))) {
            for (Path p : s.toList()) {
                Path to = snap.resolve(Path.of(FX).relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path json = snap.resolve("nft-ruleset.json");
        JsonObject doc = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray items = doc.getAsJsonArray("nftables");
        items.add(JsonParser.parseString("{\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 77,"
                + " \"comment\": \"cnifix: gone tcp/9090\", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\","
                + " \"field\": \"daddr\"}}, \"right\": \"10.88.0.99\"}}, {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\","
                + " \"field\": \"dport\"}}, \"right\": 80}}, {\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}},"
                + " {\"match\": {\"op\": \"==\", \"left\": {\"ct\": {\"key\": \"proto-dst\", \"dir\": \"original\"}}, \"right\": 9090}}, {\"accept\": null}]}}"));
        Files.writeString(json, doc.toString());
        CliTest.Run status = CliTest.run("status", "--snapshot", snap.toString());
        assertTrue(status.out().contains("inet filter forward handle 77"), status.out());
        assertTrue(status.out().contains("not needed: no published port maps to 10.88.0.99"), status.out());
        JsonObject sj = JsonParser.parseString(CliTest.run("status", "--snapshot", snap.toString(), "--format", "json").out()).getAsJsonObject();
        JsonObject row = sj.getAsJsonArray("owned").get(0).getAsJsonObject();
        assertEquals("nft", row.get("backend").getAsString());
        assertEquals(77, row.get("handle").getAsInt());
        assertEquals("gone", row.get("container").getAsString());
        CliTest.Run prune = CliTest.run("prune", "--snapshot", snap.toString(), "--format", "nft");
        assertEquals("nft delete rule inet filter forward handle 77", prune.out().strip(), prune.out() + prune.err());
        String pruneJson = CliTest.run("prune", "--snapshot", snap.toString(), "--format", "json").out();
        JsonSchemaTest.assertValid("suggest.json", pruneJson);
        JsonObject removal = JsonParser.parseString(pruneJson).getAsJsonObject().getAsJsonArray("removals").get(0).getAsJsonObject();
        assertEquals(77, removal.get("handle").getAsInt());
        assertEquals("nft", removal.get("backend").getAsString());
        JsonSchemaTest.assertValid("suggest.json", CliTest.run("suggest", "--snapshot", FX, "--format", "json").out());
    }
}
