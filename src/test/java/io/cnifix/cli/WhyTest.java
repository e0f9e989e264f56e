package io.cnifix.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The why of a port, as a person reads it, on the podman4-cni snapshot with one rule added. */
class WhyTest {
    /** A copy of podman4-cni whose iptables-save has {@code rules} inserted after line {@code after}. */
    private static Path snapshotWith(Path dir, int after, String... rules) throws IOException {
        Path snap = dir.resolve("snap");
        try (Stream<Path> s = Files.walk(Path.of("fixtures/podman4-cni"))) {
            for (Path p : s.toList()) {
                Path to = snap.resolve(Path.of("fixtures/podman4-cni").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path save = snap.resolve("iptables-save.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(save));
        lines.addAll(after, List.of(rules));
        Files.write(save, lines);
        return snap;
    }

    @Test
    void anAdminDropForOnePrefixIsNamedNotItsComplement(@TempDir Path dir) throws IOException {
        Path snap = snapshotWith(dir, 8, "-A CNI-ADMIN -s 203.0.113.0/24 -j DROP");
        CliTest.Run r = CliTest.run("diff", "--snapshot", snap.toString(), "--no-trunc");
        assertEquals(1, r.code(), r.err());
        String multi = r.out().lines().filter(l -> l.startsWith("multi") && l.contains("8081")).findFirst().orElseThrow();
        assertTrue(multi.contains("dropped for every outside source except 203.0.113.0/24 (which CNI-ADMIN rule 1, "
                + snap.resolve("iptables-save.txt") + ":9, drops on purpose) by filter FORWARD policy DROP"), multi);
        assertTrue(multi.length() < 300, multi);
        assertFalse(r.out().contains("1.0.0.0/8"), r.out());
        // JSON keeps every prefix
        assertTrue(CliTest.run("diff", "--snapshot", snap.toString(), "--format", "json").out().contains("\"1.0.0.0/8\""));
    }

    @Test
    void aPortThatHangsOnAnUnknownMatchNamesTheRuleAndLine(@TempDir Path dir) throws IOException {
        Path snap = snapshotWith(dir, 9, "-A CNI-FORWARD -d 10.88.0.2/32 -p tcp -m tcp --dport 80 -m string --string GET --algo bm -j ACCEPT");
        CliTest.Run r = CliTest.run("diff", "--snapshot", snap.toString(), "--no-trunc");
        String web = r.out().lines().filter(l -> l.startsWith("web")).findFirst().orElseThrow();
        assertTrue(web.contains("unknown"), web);
        assertTrue(web.contains("hangs on filter CNI-FORWARD rule 2 (" + snap.resolve("iptables-save.txt") + ":10)"), web);
        assertFalse(web.contains("policy"), web);
        CliTest.Run onlyWeb = CliTest.run("diff", "--snapshot", snap.toString(), "--format", "json");
        assertTrue(onlyWeb.out().contains("\"line\": 10"), onlyWeb.out());
    }
}
