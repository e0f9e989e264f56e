package io.cnifix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (scripts/cnifix) is the one place its JVM flags are written: what it prints for make-cds-archive and
 * bench.sh must be exactly what it starts java with, and `watch` gets its smaller heap wherever it stands.
 */
class LauncherFlagsTest {
    @TempDir
    Path tmp;

    private List<String> run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/cnifix"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("CNIFIX_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** A `java` that prints its arguments, one a line, first on PATH. */
    private Map<String, String> fakeJava() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.writeString(tmp.resolve("cnifix.jar"), "not a jar");
        return Map.of("PATH", bin + ":" + System.getenv("PATH"), "CNIFIX_JAR", jar.toString(),
                "CNIFIX_CDS_ARCHIVE", tmp.resolve("none.jsa").toString());
    }

    @Test
    void thePrintedFlagsAreTheOnesJavaIsStartedWith() throws Exception {
        Map<String, String> env = fakeJava();
        for (String[] args : new String[][] {{"diff", "--snapshot", "x"}, {"watch"}, {"--debug", "watch", "--podman", "auto"}, {}}) {
            List<String> printed = run(Map.of("CNIFIX_PRINT_JAVA_FLAGS", "1"), args);
            List<String> started = run(env, args);
            int jar = started.indexOf("-jar");
            assertEquals(printed, started.subList(0, jar), String.join(" ", args));
            assertEquals(List.of(args), started.subList(jar + 2, started.size()));
            assertTrue(printed.contains("-XX:+UseSerialGC"), printed.toString());
        }
    }

    @Test
    void watchKeepsTheSmallerHeapWhereverItStands() throws Exception {
        assertTrue(run(Map.of("CNIFIX_PRINT_JAVA_FLAGS", "1"), "watch").contains("-Xms32m"));
        assertTrue(run(Map.of("CNIFIX_PRINT_JAVA_FLAGS", "1"), "--debug", "watch").contains("-Xms32m"));
        assertTrue(run(Map.of("CNIFIX_PRINT_JAVA_FLAGS", "1"), "diff", "--snapshot", "watch").contains("-Xms64m"));
        assertTrue(run(Map.of("CNIFIX_PRINT_JAVA_FLAGS", "1")).contains("-Xms64m"));
    }

    @Test
    void javaOptionsFromTheEnvironmentReplaceThem() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fakeJava());
        env.put("CNIFIX_JAVA_OPTS", "-Xmx1g  -Dx=1");
        assertEquals(List.of("-Xmx1g", "-Dx=1", "-jar"), run(env, "--version").subList(0, 3));
    }
}
