package io.cnifix.system;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.model.HostState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --persist for nft rules, in a directory standing for the host's root: a marked block in a file of cnifix's own. */
class NftPersistTest {
    @TempDir
    Path root;

    private static HostState withOwned() {
        String json = "{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"filter\"}},"
                + " {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"forward\", \"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}},"
                + " {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 2, \"expr\": [{\"accept\": null}]}},"
                + " {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"forward\", \"handle\": 3, \"comment\": \"cnifix: web tcp/8080\","
                + " \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"daddr\"}}, \"right\": \"10.88.0.2\"}},"
                + " {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 80}},"
                + " {\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"accept\": null}]}}]}";
        return new HostState(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                NftReader.read(new InputText("t", json)));
    }

    @Test
    void writesAMarkedBlockOfAddRuleLinesAndNamesTheIncludeWithoutTouchingTheAdminsConfig() throws Exception {
        Path conf = root.resolve("etc/nftables.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n}\n");
        String confBefore = Files.readString(conf);
        Path file = root.resolve("etc/nftables.d/cnifix.nft");
        NftPersist p = new NftPersist(root, file);
        List<String> lines = NftPersist.lines(withOwned());
        assertEquals(List.of("add rule inet filter forward ip daddr 10.88.0.2 tcp dport 80 ct status dnat accept comment \"cnifix: web tcp/8080\""), lines);
        assertEquals(conf, p.bootConfig());
        assertEquals("include \"/etc/nftables.d/cnifix.nft\"", p.includeLine());
        assertFalse(p.included());
        assertTrue(p.write(lines));
        String text = Files.readString(file);
        assertTrue(text.contains(NftPersist.BEGIN + "\n" + lines.get(0) + "\n" + NftPersist.END + "\n"), text);
        assertFalse(p.write(lines), "the same rules: nothing changes");
        assertEquals(confBefore, Files.readString(conf), "the admin's configuration is never edited");
        // The admin's own lines around the block stay; the block is replaced.
        Files.writeString(file, "# mine\n" + text + "# mine too\n");
        assertTrue(p.write(List.of()));
        String emptied = Files.readString(file);
        assertTrue(emptied.startsWith("# mine\n") && emptied.endsWith(NftPersist.BEGIN + "\n" + NftPersist.END + "\n# mine too\n"), emptied);
        Files.writeString(conf, confBefore + "include \"/etc/nftables.d/cnifix.nft\"\n");
        assertTrue(p.included());
    }

    @Test
    void theBlockLoadsIntoRealNftAfterTheAdminsTable() throws Exception {
        Path file = root.resolve("cnifix.nft");
        new NftPersist(root, file).write(NftPersist.lines(withOwned()));
        Path all = root.resolve("all.nft");
        Files.writeString(all, "table inet filter {\n chain forward {\n  type filter hook forward priority filter; policy drop;\n }\n}\n"
                + "include \"" + file + "\"\n");
        ProcessRunner r = new ProcessRunner();
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exists("nft"));
        // Loaded for real, in a network namespace of its own (unshare -n) that goes away with the process.
        ProcessRunner.Result check = r.run(List.of("unshare", "-n", "sh", "-c", "nft -f \"$0\" && nft list chain inet filter forward", all.toString()),
                null, java.time.Duration.ofSeconds(20));
        assertTrue(check.ok(), check.describe());
        assertTrue(check.stdout().contains("comment \"cnifix: web tcp/8080\""), check.stdout());
    }
}
