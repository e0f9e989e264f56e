package io.cnifix.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated bash completion, run in a real bash, and the finished man pages. */
class DocsTest {
    @TempDir
    Path dir;

    /** What the completion offers for {@code words} (the last one being completed), run from {@code dir}. */
    private List<String> complete(String... words) throws IOException, InterruptedException {
        Path script = dir.resolve("cnifix_completion");
        Files.writeString(script, Docs.bash(Main.full(new DocsFactory())));
        StringBuilder arr = new StringBuilder();
        for (String w : words) {
            arr.append(" '").append(w).append("'");
        }
        String cmd = ". '" + script + "'; COMP_WORDS=(cnifix" + arr + "); COMP_CWORD=" + words.length
                + "; _complete_cnifix; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void commandsOptionsAndValues() throws Exception {
        assertTrue(complete("re").contains("reconcile"));
        assertEquals(List.of("json"), complete("diff", "--format", "j"));
        assertEquals(List.of("classic", "current"), complete("suggest", "--docker-model", "").stream().sorted().toList());
        assertEquals(List.of("tcp"), complete("trace", "--proto", "tc"));
        assertEquals(List.of("json"), complete("diff", "--format", "=", "j"));
        assertTrue(complete("diff", "--no-").contains("--no-trunc"));
        assertTrue(complete("help", "").contains("diff"));
    }

    @Test
    void everyPathOptionCompletesFileNames() throws Exception {
        Files.writeString(dir.resolve("iptables.save"), "");
        Files.createDirectories(dir.resolve("snapdir"));
        for (String option : List.of("--rules", "--ports", "--networks", "--addresses", "--routes")) {
            assertEquals(List.of("iptables.save"), complete("diff", option, "ipt"), option);
        }
        assertEquals(List.of("snapdir"), complete("show", "--snapshot", "sn"));
        assertEquals(List.of("snapdir"), complete("snapshot", "sn"));
    }

    @Test
    void manPagesGetSectionEightAndTheStandardSections() throws IOException {
        Files.writeString(dir.resolve("cnifix.adoc"), ":doctype: manpage\n:revnumber: \n:mansource: \n= cnifix(1)\n\n== Name\n\n"
                + "// end::picocli-generated-full-manpage[]\n");
        Files.writeString(dir.resolve("cnifix-help.adoc"), ":doctype: manpage\n:revnumber: \n:mansource: \n= cnifix-help(1)\n\n"
                + "// end::picocli-generated-full-manpage[]\n");
        Docs.finishMan(dir, Main.full(new DocsFactory()));
        String page = Files.readString(dir.resolve("cnifix-help.adoc"));
        assertTrue(page.contains("= cnifix-help(8)"), page);
        assertTrue(page.contains(":revnumber: cnifix "), page);
        for (String section : List.of("== Exit status", "== Examples", "== Files", "== See also")) {
            assertTrue(page.contains(section), section);
        }
        assertTrue(page.contains("*6*:: an apply failed and its rollback failed too"), page);
        assertTrue(page.contains("*cnifix*(8)"), page);
    }

    @Test
    void helpGroupsTheOptionsAndShowsExamples() {
        CliTest.Run r = CliTest.run("suggest", "--help");
        assertEquals(0, r.code());
        for (String heading : List.of("Where to read the host from", "What the host is judged against:", "Applying (root):", "Output:", "Examples:")) {
            assertTrue(r.out().contains(heading), heading + "\n" + r.out());
        }
        assertTrue(r.out().indexOf("      --snapshot=DIR") > r.out().indexOf("Where to read the host from"), r.out());
    }
}
