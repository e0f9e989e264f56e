package io.cnifix.system;

import io.cnifix.model.Family;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A full disk never leaves a 0-byte, truncated or half backup: a real size-limited tmpfs in a temp dir. */
class FullDiskBackupTest {
    @TempDir
    Path tmp;
    Path full;

    private void mountTinyTmpfs() throws Exception {
        assumeTrue(Root.isRoot(), "mounting a tmpfs needs root");
        full = tmp.resolve("full");
        Files.createDirectories(full);
        ProcessRunner.Result r = new ProcessRunner().run(List.of("mount", "-t", "tmpfs", "-o", "size=16k", "saf-full", full.toString()),
                null, Duration.ofSeconds(10));
        assumeTrue(r.ok(), r.describe());
    }

    @AfterEach
    void unmount() {
        if (full != null) {
            new ProcessRunner().run(List.of("umount", full.toString()), null, Duration.ofSeconds(10));
        }
    }

    private List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aBackupThatDoesNotFitLeavesNothingBehind() throws Exception {
        mountTinyTmpfs();
        Firewall fw = new Firewall(new ProcessRunner(), Duration.ofSeconds(1), Map.of());
        String big = "-A INPUT -s 192.0.2.1/32 -j DROP\n".repeat(20_000);
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> fw.backup(full, Map.of(Family.V4, big)));
        assertTrue(e.getMessage().contains("cannot write the backup in " + full), e.getMessage());
        assertEquals(List.of(), files(full), "no 0-byte or truncated file");
    }

    @Test
    void whenTheSecondFamilyDoesNotFitTheFirstIsRemovedToo() throws Exception {
        mountTinyTmpfs();
        Firewall fw = new Firewall(new ProcessRunner(), Duration.ofSeconds(1), Map.of());
        Map<Family, String> dumps = new EnumMap<>(Family.class);
        dumps.put(Family.V4, "*filter\nCOMMIT\n");
        dumps.put(Family.V6, "-A INPUT -s 2001:db8::1/128 -j DROP\n".repeat(20_000));
        assertThrows(EnvironmentException.class, () -> fw.backup(full, dumps));
        assertEquals(List.of(), files(full), "no half set of backups");
        Path ok = fw.backup(tmp.resolve("roomy"), dumps);
        assertEquals(dumps.get(Family.V6), Files.readString(ok.resolveSibling(ok.getFileName().toString().replace(".v4.", ".v6."))));
    }
}
