package io.cnifix.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.ingest.json.NftReader;
import io.cnifix.model.HostState;
import io.cnifix.system.StateFiles;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large nft dump is read on a thread of its own while the ports and rules are read: the host state and the
 * errors must be what reading it in turn gives, and a broken rules dump still reports before a broken nft dump.
 */
class LargeNftDumpTest {

    private static StateSources snapshot(Path dir) {
        return new StateFiles(new ByteArrayInputStream(new byte[0])).snapshot(dir);
    }

    /** The netavark-nft-drop fixture with 3,000 more published ports in its nft dump (2 MB). */
    private static Path largeHost(Path dir) throws Exception {
        Path from = Path.of("fixtures", "netavark-nft-drop");
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path to = dir.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path dump = dir.resolve("nft-ruleset.json");
        Files.writeString(dump, io.cnifix.ingest.json.NftFastReaderTest.netavarkDump(Files.readString(dump), 3000));
        return dump;
    }

    @Test
    void aLargeDumpReadBesideTheOthersGivesTheSameTables(@TempDir Path dir) throws Exception {
        Path dump = largeHost(dir);
        assertTrue(Files.size(dump) > 1 << 20, "large enough to be read on its own thread");
        HostState h = HostStateBuilder.build(snapshot(dir));
        assertEquals(NftReader.read(new InputText(dump.toString(), Files.readString(dump))), h.nftTables());
        assertTrue(h.nftTables().stream().anyMatch(t -> t.chain("nv_many_dnat") != null));
    }

    @Test
    void itsErrorIsTheReadersAndComesAfterTheRulesError(@TempDir Path dir) throws Exception {
        Path dump = largeHost(dir);
        String text = Files.readString(dump);
        String broken = text.substring(0, text.length() / 2) + "]]\n" + text.substring(text.length() / 2);
        Files.writeString(dump, broken);
        InputException expected = assertThrows(InputException.class, () -> NftReader.read(new InputText(dump.toString(), broken)));
        InputException nft = assertThrows(InputException.class, () -> HostStateBuilder.build(snapshot(dir)));
        assertEquals(expected.oneLine(), nft.oneLine());
        assertEquals(expected.line(), nft.line());
        assertTrue(expected.oneLine().contains("column"), "where it broke: " + expected.oneLine());

        Path rules = dir.resolve("iptables-save.txt");
        Files.writeString(rules, Files.readString(rules).replaceFirst("\nCOMMIT\n", "\nnot a rule line\nCOMMIT\n"));
        InputException first = assertThrows(InputException.class, () -> HostStateBuilder.build(snapshot(dir)));
        assertTrue(first.file().endsWith("iptables-save.txt"), first.oneLine());
    }
}
