package io.cnifix.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every input has a size limit: a 2 GiB sparse file (or a link to one) in any place of a snapshot, or named by an
 * option, is a one-line error naming it with exit 2, never an OutOfMemoryError. And what iptables-restore refuses
 * about a table's shape (loops, jumps to built-in chains) is bad input with file and line, not an internal error.
 */
class BoundedInputTest {
    private static final Path FIXTURE = Path.of("fixtures/centos7-podman-cni");

    @TempDir
    Path tmp;

    /** A sparse file of 2 GiB: no disk used, as `truncate -s 2G` makes it. */
    private Path huge() throws Exception {
        Path f = tmp.resolve("huge");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(2L << 30);
        }
        return f;
    }

    private Path snapshotCopy() throws Exception {
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
        return snap;
    }

    private static void assertRefused(CliTest.Run r, String name) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(name) && r.err().contains("larger than 64 MiB"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("OutOfMemory") || r.err().contains("internal error"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables-save.txt", "ip-address.json", "ip-route.json", "nft-ruleset.json",
            "ports/cni-results/huge.json", "networks/huge.conflist"})
    void aHugeSparseFileAnywhereInASnapshotIsOneLineAndExit2(String name) throws Exception {
        Path snap = snapshotCopy();
        Path at = snap.resolve(name);
        Files.createDirectories(at.getParent());
        Files.deleteIfExists(at);
        Files.move(huge(), at);
        assertRefused(CliTest.run("diff", "--snapshot", snap.toString()), at.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables-save.txt", "ports/cni-results/huge.json"})
    void aLinkToAHugeFileInASnapshotIsRefusedTheSameWay(String name) throws Exception {
        Path snap = snapshotCopy();
        Path at = snap.resolve(name);
        Files.deleteIfExists(at);
        Files.createSymbolicLink(at, huge());
        assertRefused(CliTest.run("diff", "--snapshot", snap.toString()), at.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--rules", "--ports", "--networks", "--addresses", "--routes"})
    void aHugeFileNamedByAnOptionIsRefused(String option) throws Exception {
        Path h = huge();
        String[] args = option.equals("--rules")
                ? new String[] {"diff", "--offline", "--rules", h.toString()}
                : new String[] {"diff", "--offline", "--rules", FIXTURE.resolve("iptables-save.txt").toString(), option, h.toString()};
        assertRefused(CliTest.run(args), h.toString());
    }

    private static final String TABLE = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            + ":A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A A -j B\n%s\nCOMMIT\n";

    @ParameterizedTest
    @ValueSource(strings = {"-A B -j A", "-A B -g A", "-A B -j FORWARD", "-A B -j B"})
    void loopsAndJumpsToBuiltinChainsAreBadInputWithFileAndLine(String rule) throws Exception {
        Path f = tmp.resolve("rules.txt");
        Files.writeString(f, String.format(TABLE, rule));
        CliTest.Run r = CliTest.run("diff", "--offline", "--rules", f.toString(), "--ports",
                FIXTURE.resolve("ports/cni-results").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("cnifix: " + f + ":9: "), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
    }
}
