package io.cnifix.cli;

import com.google.gson.JsonParser;
import io.cnifix.system.TerminalText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Control characters from names, comments and file contents never reach a terminal raw; JSON keeps the exact value. */
class EscapingTest {
    private static final Path FIXTURE = Path.of("fixtures/docker28");
    /** Retitles the window, rings the bell, returns to the line start, a C1 CSI, DEL. */
    private static final String HOSTILE = "we\u001b]0;pwn\u0007b\r\u009b2J\u007f";

    @TempDir
    Path tmp;

    private static void assertInert(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f;
            assertFalse(control, "raw control character " + (int) c + " at " + i + " in: " + s);
        }
    }

    private Path hostileSnapshot() throws Exception {
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
        Path inspect = snap.resolve("ports/docker-inspect.json");
        String json = Files.readString(inspect);
        assertTrue(json.contains("\"/web\""));
        Files.writeString(inspect, json.replace("\"/web\"", "\"/we\\u001b]0;pwn\\u0007b\\r\\u009b2J\\u007f\""));
        return snap;
    }

    @Test
    void theDiffTableAndShowEscapeAHostileContainerName() throws Exception {
        Path snap = hostileSnapshot();
        for (String cmd : new String[] {"diff", "show"}) {
            CliTest.Run r = CliTest.run(cmd, "--snapshot", snap.toString());
            assertTrue(r.out().contains("we\\u001b]0;pwn\\u0007b\\u000d\\u009b2J\\u007f"), cmd + ": " + r.out());
            assertInert(r.out());
            assertInert(r.err());
        }
    }

    @Test
    void jsonKeepsTheExactName() throws Exception {
        CliTest.Run r = CliTest.run("diff", "--snapshot", hostileSnapshot().toString(), "--format", "json");
        assertInert(r.out());
        String name = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("ports").get(0)
                .getAsJsonObject().get("container").getAsString();
        assertEquals(HOSTILE, name);
    }

    @Test
    void anErrorMessageQuotingAFileEscapesIt() throws Exception {
        Path f = tmp.resolve("rules.txt");
        Files.writeString(f, "*filter\n:INPUT ACCEPT [0:0]\n\u001b[2J\u001b]0;pwn\u0007 garbage\nCOMMIT\n");
        CliTest.Run r = CliTest.run("diff", "--offline", "--rules", f.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(f + ":3:") && r.err().contains("\\u001b[2J"), r.err());
        assertInert(r.err());
    }

    @Test
    void aRuleCommentIsEscapedInATraceAndInTheDiffWhy() throws Exception {
        Path snap = hostileSnapshot();
        Path rules = snap.resolve("iptables-save.txt");
        Files.writeString(rules, Files.readString(rules).replace("-A FORWARD -j DOCKER-USER\n",
                "-A FORWARD -p tcp -m comment --comment \"x\u001b[8my\" -j DROP\n-A FORWARD -j DOCKER-USER\n"));
        CliTest.Run r = CliTest.run("trace", "--snapshot", snap.toString(), "--in", "eth0",
                "--src", "203.0.113.9", "--dst", "192.168.122.50", "--proto", "tcp", "--dport", "8080");
        assertTrue(r.out().contains("x\\u001b[8my"), r.toString());
        assertInert(r.out());
        assertInert(r.err());
        CliTest.Run d = CliTest.run("diff", "--snapshot", snap.toString());
        assertTrue(d.out().contains("x\\u001b[8my"), d.toString());
        assertInert(d.out());
    }

    @Test
    void theStreamLetsOnlyCnifixsOwnColoursThroughAndOnlyWhenAsked() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream raw = new PrintStream(b, true, StandardCharsets.UTF_8);
        PrintStream colours = TerminalText.escaping(raw, true);
        colours.print("\u001b[31mgap\u001b[0m \u001b[8mhidden\u001b]0;t\u0007 ü\u0085");
        colours.flush();
        assertEquals("\u001b[31mgap\u001b[0m \\u001b[8mhidden\\u001b]0;t\\u0007 ü\\u0085", b.toString(StandardCharsets.UTF_8));
        b.reset();
        PrintStream plain = TerminalText.escaping(raw, false);
        plain.print("\u001b[31mgap");
        plain.flush();
        assertEquals("\\u001b[31mgap", b.toString(StandardCharsets.UTF_8));
        assertEquals("a\\u001bb\n\tc", TerminalText.escape("a\u001bb\n\tc"));
    }
    /** A buffer written whole comes out exactly as the same bytes written one at a time, split anywhere. */
    @Test
    void runsWrittenWholeComeOutAsByteByByte() {
        byte[] alphabet = {'a', ' ', '\n', '\t', 0x1b, '[', '3', '1', 'm', 0x07, 0x7f, (byte) 0xc2, (byte) 0x85, (byte) 0xc3, (byte) 0xbc};
        java.util.Random random = new java.util.Random(7);
        for (boolean colours : new boolean[] {true, false}) {
            for (int k = 0; k < 5_000; k++) {
                byte[] data = new byte[random.nextInt(40)];
                for (int i = 0; i < data.length; i++) {
                    data[i] = alphabet[random.nextInt(alphabet.length)];
                }
                ByteArrayOutputStream one = new ByteArrayOutputStream();
                PrintStream single = TerminalText.escaping(new PrintStream(one, true, StandardCharsets.UTF_8), colours);
                for (byte x : data) {
                    single.write(x);
                }
                single.close();
                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                PrintStream bulk = TerminalText.escaping(new PrintStream(whole, true, StandardCharsets.UTF_8), colours);
                int cut = data.length == 0 ? 0 : random.nextInt(data.length);
                bulk.write(data, 0, cut);
                bulk.write(data, cut, data.length - cut);
                bulk.close();
                assertEquals(java.util.Arrays.toString(one.toByteArray()), java.util.Arrays.toString(whole.toByteArray()),
                        java.util.Arrays.toString(data));
            }
        }
    }
}
