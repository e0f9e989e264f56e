package io.cnifix.hook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * systemd-analyze verify on scripts/systemd/, in a temporary root that holds the system's own units and the
 * launcher as /usr/bin/cnifix (verify checks that ExecStart= exists; nothing is installed on this machine).
 */
class SystemdUnitsTest {
    static final Path UNITS = Path.of("scripts/systemd");
    static final Path SYSTEM_UNITS = Path.of("/usr/lib/systemd/system");

    @TempDir
    Path root;

    private record Out(int code, String text) {
    }

    private static Out run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Out(p.exitValue(), text);
    }

    private void populate(boolean withLauncher) throws Exception {
        Path units = root.resolve("usr/lib/systemd/system");
        Files.createDirectories(units);
        try (Stream<Path> s = Files.list(SYSTEM_UNITS)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(p, units.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                } else if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(units.resolve(p.getFileName()), Files.readSymbolicLink(p));
                }
            }
        }
        for (String u : List.of("cnifix-reconcile.service", "cnifix-reconcile.timer", "cnifix-watch.service")) {
            Files.copy(UNITS.resolve(u), units.resolve(u), StandardCopyOption.REPLACE_EXISTING);
        }
        if (withLauncher) {
            Files.createDirectories(root.resolve("usr/bin"));
            Files.copy(Path.of("scripts/cnifix"), root.resolve("usr/bin/cnifix"), StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static boolean available() {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "systemd-analyze"))) && Files.isDirectory(SYSTEM_UNITS);
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnits() throws Exception {
        assumeTrue(available(), "systemd-analyze is not installed (Debian: apt-get install systemd)");
        populate(true);
        Out o = run(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, "cnifix-reconcile.service", "cnifix-reconcile.timer", "cnifix-watch.service"));
        assertEquals(0, o.code(), o.text());
        assertEquals("", o.text().strip(), "no warnings");
    }

    @Test
    void theVerificationIsRealItNoticesAMissingExecStart() throws Exception {
        assumeTrue(available(), "systemd-analyze is not installed");
        populate(false);
        Out o = run(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, "cnifix-reconcile.service"));
        assertNotEquals(0, o.code());
        assertTrue(o.text().contains("/usr/bin/cnifix"), o.text());
    }
}
