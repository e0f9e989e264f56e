package io.cnifix.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextOutputTest {
    private static final String F = "fixtures/podman4-cni";

    @Test
    void tablesAreSizedFromTheDataAndCutToAWidth() {
        TextTable t = new TextTable("NAME", "WHY").row("a-very-long-compose-container-name_1", "x".repeat(200)).row("b", "short");
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        t.print(new PrintStream(whole, true, StandardCharsets.UTF_8), 0);
        String[] lines = whole.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("NAME                                  WHY", lines[0]);
        assertTrue(lines[1].endsWith("x".repeat(200)));
        ByteArrayOutputStream cut = new ByteArrayOutputStream();
        t.print(new PrintStream(cut, true, StandardCharsets.UTF_8), 80);
        for (String line : cut.toString(StandardCharsets.UTF_8).split("\n")) {
            assertTrue(line.length() <= 80, line.length() + ": " + line);
        }
        assertTrue(cut.toString(StandardCharsets.UTF_8).contains("…"));
        assertEquals("ab…", TextTable.cut("abcdef", 3));
        assertEquals(3, TextTable.visible(TextTable.cut("\u001b[31mabcdef\u001b[0m", 3)));
    }

    /** The scan counts what the colour-stripping regex it replaced leaves, on every mix of escape-like characters. */
    @Test
    void visibleLengthLeavesOutExactlyTheColourCodes() {
        java.util.regex.Pattern sgr = java.util.regex.Pattern.compile("\u001b\\[[0-9;]*m");
        char[] alphabet = {'\u001b', '[', '3', ';', 'm', 'x', '…'};
        java.util.Random random = new java.util.Random(42);
        for (int k = 0; k < 20_000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                sb.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String s = sb.toString();
            assertEquals(sgr.matcher(s).replaceAll("").length(), TextTable.visible(s), s);
        }
        assertEquals(4, TextTable.visible("\u001b[\u001b[31mok\u001b[0m"));
        assertEquals(0, TextTable.visible("\u001b[m"));
        assertEquals(2, TextTable.visible("\u001b["));
    }

    @Test
    void pluralsAreRight() {
        assertEquals("1 port", Words.count(1, "port"));
        assertEquals("0 exposures", Words.count(0, "exposure"));
        assertEquals("2 addresses", Words.count(2, "address"));
    }

    @Test
    void diffAndSuggestAgreeWhenTheNetworksAreMissing() {
        String[] files = {"--rules", F + "/iptables-save.txt", "--ports", F + "/ports/podman-inspect.json", "--offline"};
        CliTest.Run diff = CliTest.run(concat(new String[] {"diff"}, files));
        CliTest.Run suggest = CliTest.run(concat(new String[] {"suggest"}, files));
        assertEquals(5, diff.code(), diff.out());
        assertEquals(5, suggest.code(), suggest.out());
        assertTrue(diff.out().contains("--networks FILE"), diff.out());
        assertTrue(suggest.out().contains("--networks FILE"), suggest.out());
        assertTrue(diff.out().contains("4 ports: 1 not-exposed, 3 unknown; 0 exposures"), diff.out());
    }

    @Test
    void diffEndsWithWhatToRunNext() {
        CliTest.Run gaps = CliTest.run("diff", "--snapshot", F);
        assertTrue(gaps.out().strip().endsWith("sudo cnifix suggest --apply"), gaps.out());
        CliTest.Run fine = CliTest.run("diff", "--snapshot", "fixtures/docker28");
        assertTrue(fine.out().strip().endsWith("Nothing to do: every published port behaves as it would under Docker."), fine.out());
        CliTest.Run suggest = CliTest.run("suggest", "--snapshot", F);
        assertTrue(suggest.out().strip().endsWith("sudo cnifix suggest --apply"), suggest.out());
    }

    @Test
    void theAddressNoteOnlyWhenNoAddressesWereRead() {
        assertFalse(CliTest.run("diff", "--snapshot", F).out().contains("no ip -j address"));
        assertTrue(CliTest.run("diff", "--rules", F + "/iptables-save.txt", "--ports", F + "/ports/podman-inspect.json",
                "--networks", F + "/networks/87-podman-bridge.conflist", "--offline").out().contains("no ip -j address"));
    }

    @Test
    void quietPrintsOnlyResultsAndVerboseExplains() {
        CliTest.Run quiet = CliTest.run("diff", "--snapshot", F, "--quiet");
        assertFalse(quiet.out().contains("sudo cnifix"), quiet.out());
        assertFalse(quiet.out().contains("note:"), quiet.out());
        assertEquals("", quiet.err());
        assertTrue(quiet.out().contains("4 ports: 3 gap, 1 not-exposed; 0 exposures"), quiet.out());
        CliTest.Run verbose = CliTest.run("diff", "--snapshot", F, "--verbose");
        assertTrue(verbose.err().contains("read 38 rules (IPv4) from " + F + "/iptables-save.txt"), verbose.err());
        assertTrue(verbose.err().contains("judged against Docker's current behaviour"), verbose.err());
    }

    @Test
    void reconcileDryRunShowsThePlanAndChangesNothing() {
        CliTest.Run r = CliTest.run("reconcile", "--dry-run", "--snapshot", F);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("+ iptables CNI-FORWARD 2:"), r.out());
        assertTrue(r.out().strip().endsWith("sudo cnifix reconcile"), r.out());
        assertEquals(0, CliTest.run("reconcile", "--dry-run", "--snapshot", "fixtures/docker28").code());
    }

    @Test
    void showAndTraceHaveHeaders() {
        assertTrue(CliTest.run("show", "--snapshot", F).out().contains("  CONTAINER  ENGINE  PUBLISHED"));
        CliTest.Run t = CliTest.run("trace", "--snapshot", F, "--in", "eth0", "--src", "203.0.113.9", "--dst", "10.88.0.2",
                "--proto", "tcp", "--dport", "80");
        assertTrue(t.out().matches("(?s)BASE CHAIN +CHAIN +# +WHERE +MATCHED +ACTION +RULE\n.*"), t.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
