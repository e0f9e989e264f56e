package io.cnifix.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a person sees: cnifix diff run in a real terminal (a detached tmux session of 80 columns, TERM with colours),
 * the screen captured with its colour codes. Rows are cut to the width with "…", statuses are coloured, nothing
 * wraps; with --no-trunc the whole why is there (wrapped by the terminal); NO_COLOR turns the colours off.
 */
class TerminalTest {
    private static final String SESSION = "cnifix-term-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** The screen after cnifix ran with {@code args} in an 80x50 terminal, with colour codes (-e). */
    private static String screen(String env, String... args) throws Exception {
        Path done = Files.createTempFile("cnifix-term", ".done");
        Files.delete(done);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder cmd = new StringBuilder("clear; " + env + " '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' io.cnifix.cli.Main");
        for (String a : args) {
            cmd.append(" '").append(a).append("'");
        }
        cmd.append("; touch '").append(done).append("'; sleep 600");
        String session = SESSION + "-" + Math.abs(cmd.toString().hashCode());
        run("tmux", "-L", SESSION, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "80", "-y", "50",
                "env", "TERM=xterm-256color", "sh", "-c", cmd.toString());
        try {
            // waits for the command itself, not for a time: the marker file appears when cnifix has exited
            for (int i = 0; i < 600 && !Files.exists(done); i++) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(done), "cnifix did not finish in the terminal");
            return run("tmux", "-L", SESSION, "capture-pane", "-p", "-e", "-J", "-t", session);
        } finally {
            run("tmux", "-L", SESSION, "kill-session", "-t", session);
            Files.deleteIfExists(done);
        }
    }

    @Test
    void diffFitsAnEightyColumnTerminalInColour() throws Exception {
        try {
            String s = screen("", "diff", "--snapshot", "fixtures/docker20-classic");
            List<String> lines = s.lines().toList();
            assertTrue(s.contains("CONTAINER"), s);
            for (String line : lines) {
                assertTrue(TextTable.visible(line) <= 80, TextTable.visible(line) + ": " + line);
            }
            assertTrue(s.contains("…"), "long whys are cut: " + s);
            assertTrue(s.contains("\u001b[32mok"), "ok in green: " + s);
            assertTrue(s.contains("sudo cnifix suggest --apply") || s.contains("Exposures are let in"), s);

            String whole = screen("", "diff", "--snapshot", "fixtures/docker20-classic", "--no-trunc");
            assertFalse(whole.lines().anyMatch(l -> l.contains("…")), whole);
            assertTrue(whole.replace("\n", "").contains("--dport 80 -j ACCEPT"), whole);

            String plain = screen("NO_COLOR=1", "diff", "--snapshot", "fixtures/docker20-classic");
            assertFalse(plain.contains("\u001b[32m"), plain);
        } finally {
            new ProcessBuilder("tmux", "-L", SESSION, "kill-server").start().waitFor();
        }
    }
}
