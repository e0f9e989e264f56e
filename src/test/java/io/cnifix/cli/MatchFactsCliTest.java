package io.cnifix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ipsets from a snapshot's ipset.save decide -m set rules; --assume-history leaves stateful matches unknown. */
class MatchFactsCliTest {

    private static Path snapshot(Path dir, String extraRule, String ipsets) throws IOException {
        Path src = Path.of("fixtures/docker28");
        try (var files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = dir.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path rules = dir.resolve("iptables-save.txt");
        Files.writeString(rules, Files.readString(rules).replace("-A FORWARD -j DOCKER-USER\n",
                "-A FORWARD -j DOCKER-USER\n-A DOCKER-USER " + extraRule + "\n"));
        if (ipsets != null) {
            Files.writeString(dir.resolve("ipset.save"), ipsets);
        }
        return dir;
    }

    @Test
    void setMatchesAreDecidedFromIpsetSave(@TempDir Path tmp) throws IOException {
        String rule = "-m set --match-set cfx-ban src -j DROP";
        Path without = snapshot(tmp.resolve("a"), rule, null);
        CliTest.Run unknown = CliTest.run("diff", "--snapshot", without.toString());
        assertEquals(5, unknown.code(), unknown.out() + unknown.err());
        Path with = snapshot(tmp.resolve("b"), rule, "create cfx-ban hash:net family inet\nadd cfx-ban 203.0.113.0/24\n");
        CliTest.Run known = CliTest.run("diff", "--snapshot", with.toString());
        assertEquals(0, known.code(), known.out() + known.err());
        assertTrue(known.out().contains("2 blocked") && known.out().contains("drops sources 203.0.113.0/24"), known.out());
        CliTest.Run banned = CliTest.run("trace", "--snapshot", with.toString(), "--in", "eth0", "--src", "203.0.113.9",
                "--dst", "192.168.122.50", "--proto", "tcp", "--dport", "8080");
        assertTrue(banned.out().contains("decided by filter DOCKER-USER rule 1") && banned.out().contains("DROP"), banned.out());
        CliTest.Run other = CliTest.run("trace", "--snapshot", with.toString(), "--in", "eth0", "--src", "198.51.100.9",
                "--dst", "192.168.122.50", "--proto", "tcp", "--dport", "8080");
        assertTrue(other.out().contains("ACCEPT"), other.out());
    }

    @Test
    void aMacRuleLeavesOnlyTheSourcesItCanTouchUndecided(@TempDir Path tmp) throws IOException {
        Path s = snapshot(tmp, "-s 203.0.113.0/24 -m mac --mac-source 02:00:00:00:00:01 -j DROP", null);
        CliTest.Run r = CliTest.run("diff", "--snapshot", s.toString());
        assertEquals(5, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("the outcome for sources 203.0.113.0/24 hangs on") && r.out().contains("iptables-save.txt:24)"),
                r.out());
        CliTest.Run j = CliTest.run("diff", "--snapshot", s.toString(), "--format", "json");
        assertTrue(j.out().contains("\"undecided\""), j.out());
    }

    /** Files read on this host resolve names with its /etc/services; a snapshot only with the bundled table. */
    @Test
    void serviceNamesComeFromTheHostForFilesAndFromTheBundleForSnapshots(@TempDir Path tmp) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.readString(Path.of("/etc/services")).contains("zabbix-agent"),
                "this host's /etc/services has no zabbix-agent");
        Path rules = tmp.resolve("rules.save");
        Files.writeString(rules, "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport zabbix-agent -j ACCEPT\nCOMMIT\n");
        CliTest.Run live = CliTest.run("trace", "--rules", rules.toString(), "--offline", "--in", "eth0", "--src",
                "203.0.113.9", "--dst", "192.0.2.1", "--local", "192.0.2.1", "--proto", "tcp", "--dport", "10050");
        assertEquals(0, live.code(), live.out() + live.err());
        assertTrue(live.out().contains("ACCEPT"), live.out());
        Path snap = snapshot(tmp.resolve("s"), "-j RETURN", null);
        Files.writeString(snap.resolve("iptables-save.txt"), Files.readString(rules));
        CliTest.Run offline = CliTest.run("diff", "--snapshot", snap.toString());
        assertEquals(2, offline.code(), offline.out() + offline.err());
        assertTrue(offline.err().contains("iptables-save.txt:3"), offline.err());
    }

    @Test
    void assumeHistoryLeavesRecentUnknown(@TempDir Path tmp) throws IOException {
        Path s = snapshot(tmp, "-p tcp -m recent --update --seconds 60 --hitcount 4 --name web -j DROP", null);
        CliTest.Run quiet = CliTest.run("diff", "--snapshot", s.toString(), "--format", "json");
        assertEquals(0, quiet.code(), quiet.out() + quiet.err());
        assertTrue(quiet.out().contains("\"assumption\""), quiet.out());
        CliTest.Run busy = CliTest.run("diff", "--snapshot", s.toString(), "--assume-history");
        assertEquals(5, busy.code(), busy.out() + busy.err());
    }
}
