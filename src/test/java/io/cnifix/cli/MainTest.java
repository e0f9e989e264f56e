package io.cnifix.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mistakes at the prompt: each gets picocli's own help and exit 2. */
class MainTest {
    private static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    @Test
    void noArgumentsPrintsTheUsageAndExits2() {
        CliTest.Run r = run();
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("Usage: cnifix"), r.err());
        for (String name : Commands.ALL.keySet()) {
            assertTrue(r.err().contains("  " + name + " "), name);
        }
        assertTrue(r.err().contains("Exit codes:"), r.err());
    }

    @Test
    void aTypoGetsDidYouMean() {
        CliTest.Run r = run("dif");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Did you mean: cnifix diff?"), r.err());
        CliTest.Run o = run("diff", "--snapshot", "fixtures/podman4-cni", "--fromat", "json");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("Did you mean: --format?"), o.err());
    }

    @Test
    void debugIsAcceptedBeforeTheCommand() {
        CliTest.Run r = run("--debug", "diff", "--snapshot", "fixtures/podman4-cni");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("web"), r.out());
    }

    @Test
    void optionValuesAreCheckedAgainstTheirCandidates() {
        CliTest.Run bad = run("diff", "--snapshot", "fixtures/podman4-cni", "--format", "yaml");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'yaml' is not one of text, json"), bad.err());
        assertEquals(2, run("diff", "--snapshot", "fixtures/podman4-cni", "--docker-model", "modern").code());
        CliTest.Run upper = run("diff", "--snapshot", "fixtures/podman4-cni", "--format", "JSON", "--docker-model", "Classic");
        assertEquals(1, upper.code(), upper.err());
        assertTrue(upper.out().startsWith("{"), upper.out());
    }

    @Test
    void noneSkipsAnEngineWhateverElseIsGiven() {
        assertEquals(1, run("diff", "--snapshot", "fixtures/podman4-cni", "--podman", "none", "--docker", "none").code());
        assertEquals(2, run("diff", "--snapshot", "fixtures/podman4-cni", "--podman", "/usr/bin/podman").code());
    }

    @Test
    void versionAndHelpWork() {
        CliTest.Run v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("cnifix "), v.out());
        CliTest.Run h = run("help", "diff");
        assertEquals(0, h.code());
        assertTrue(h.out().startsWith("Usage: cnifix diff"), h.out());
    }

    /** Root options before a command get the whole root, texts and all, not the bare one a named command is built under. */
    @Test
    void rootHelpBeforeACommandIsTheFullRootHelp() {
        CliTest.Run h = run("-h", "diff");
        assertEquals(0, h.code(), h.err());
        assertTrue(h.out().startsWith("Usage: cnifix [-hV] [--debug] [COMMAND]"), h.out());
        assertTrue(h.out().contains("Exit codes:") && h.out().contains("  diff "), h.out());
        CliTest.Run both = run("-V", "-h");
        assertEquals(0, both.code(), both.err());
        assertTrue(both.out().contains("Exit codes:"), both.out());
        CliTest.Run bad = run("--bogus", "diff");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("Unknown option: '--bogus'"), bad.err());
        CliTest.Run v = run("diff", "--version");
        assertEquals(0, v.code(), v.err());
        assertEquals(run("--version").out(), v.out());
    }

    /** main answers a bare --version before picocli; as a real process it says what picocli says, and exits 0. */
    @Test
    void theVersionShortcutInMainSaysWhatPicocliSays() throws Exception {
        String picocli = run("--version").out();
        for (String flag : new String[] {"--version", "-V"}) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), flag)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), flag);
            assertEquals(picocli, out, flag);
        }
    }

    @Test
    void theCommandTableMatchesEachCommandsOwnName() {
        CommandLine full = Main.full(new Main.Factory(new CliContext(System.in, System.out, System.err, Map.of(), null)));
        assertEquals(Commands.ALL.keySet(), full.getSubcommands().keySet());
        assertTrue(Commands.ALL.size() >= 9);
    }
}
