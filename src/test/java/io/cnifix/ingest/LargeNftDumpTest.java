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

    @Test
    void aLargeDumpReadBesideTheOthersGivesTheSameTables(@TempDir Path dir) throws Exception {
        io.cnifix.bench.SyntheticHost.write(dir, 300, 5, 20000, true);
        Path dump = dir.resolve("nft-ruleset.json");
        assertTrue(Files.size(dump) > 1 << 20, "large enough to be read on its own thread");
        HostState h = HostStateBuilder.build(snapshot(dir));
        assertEquals(NftReader.read(new InputText(dump.toString(), Files.readString(dump))), h.nftTables());
        assertEquals(1500, h.mappings().size());
    }

    @Test
    void itsErrorIsTheReadersAndComesAfterTheRulesError(@TempDir Path dir) throws Exception {
        io.cnifix.bench.SyntheticHost.write(dir, 300, 5, 20000, true);
        Path dump = dir.resolve("nft-ruleset.json");
        String text = Files.readString(dump);
        String broken = text.substring(0, text.length() / 2) + "]]\n" + text.substring(text.length() / 2);
        Files.writeString(dump, broken);
        InputException expected = assertThrows(InputException.class, () -> NftReader.read(new InputText(dump.toString(), broken)));
        InputException nft = assertThrows(InputException.class, () -> HostStateBuilder.build(snapshot(dir)));
        assertEquals(expected.oneLine(), nft.oneLine());
        assertTrue(expected.line() > 1000, "the line of the broken place: " + expected.line());

        Path rules = dir.resolve("iptables-save.txt");
        Files.writeString(rules, Files.readString(rules).replaceFirst("-A f2b-sshd ", "-A f2b-sshd --no-such-option "));
        InputException first = assertThrows(InputException.class, () -> HostStateBuilder.build(snapshot(dir)));
        assertTrue(first.file().endsWith("iptables-save.txt"), first.oneLine());
    }
}
