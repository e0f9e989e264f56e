package io.cnifix.system;

import io.cnifix.ingest.InputText;
import io.cnifix.model.Family;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The live firewall, through the process runner only: dump, back up (0600), apply one --noflush transaction,
 * and nothing else: undoing is another --noflush transaction (see Undo), never a whole-table restore.
 */
public final class Firewall {
    private final ProcessRunner runner;
    private final Duration wait;
    private final Map<String, String> env;

    public Firewall(ProcessRunner runner, Duration wait, Map<String, String> env) {
        this.runner = runner;
        this.wait = wait;
        this.env = env;
    }

    private static String save(Family f) {
        return f == Family.V4 ? "iptables-save" : "ip6tables-save";
    }

    private static String restore(Family f) {
        return f == Family.V4 ? "iptables-restore" : "ip6tables-restore";
    }

    public InputText dump(Family f) {
        ProcessRunner.Result r = runner.run(List.of(save(f)), null, Duration.ofSeconds(60));
        if (!r.ok()) {
            throw new EnvironmentException(r.describe());
        }
        return new InputText(save(f), r.stdout());
    }

    /** Writes the dumps to a new 0600 file per family in {@code dir} (made 0700); returns the v4 path. */
    public Path backup(Path dir, Map<Family, String> dumps) {
        Map<String, String> bySuffix = new java.util.LinkedHashMap<>();
        dumps.forEach((f, text) -> bySuffix.put(f == Family.V4 ? ".v4.rules" : ".v6.rules", text));
        return backupFiles(dir, bySuffix);
    }

    /**
     * Writes each back end's saved state to a new 0600 file "cnifix-STAMP" + suffix in {@code dir} (made 0700), all
     * or none; returns the first path.
     */
    public static Path backupFiles(Path dir, Map<String, String> bySuffix) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
            Path first = null;
            List<Path> written = new java.util.ArrayList<>();
            for (Map.Entry<String, String> e : bySuffix.entrySet()) {
                Path p = dir.resolve("cnifix-" + stamp + e.getKey());
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                written.add(p);
                try {
                    Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
                } catch (IOException full) {
                    // A truncated (or 0-byte) backup is worse than none: it would restore a half ruleset. And half a
                    // set (v4 without v6) is not the state as it was either: remove everything this call wrote.
                    for (Path w : written) {
                        Files.deleteIfExists(w);
                    }
                    throw full;
                }
                first = first == null ? p : first;
            }
            return first;
        } catch (IOException e) {
            throw new EnvironmentException("cannot write the backup in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** How long a restore may run past its lock wait: 60 s, or CNIFIX_RESTORE_TIMEOUT seconds (tests of a hang). */
    private Duration restoreTimeout() {
        String t = env.get("CNIFIX_RESTORE_TIMEOUT");
        if (t != null && t.matches("[0-9]{1,4}") && Integer.parseInt(t) > 0) {
            return Duration.ofSeconds(Integer.parseInt(t));
        }
        return Duration.ofSeconds(60);
    }

    /** Applies a --noflush transaction; the command can be replaced (CNIFIX_IPTABLES_RESTORE) to test failures. */
    public ProcessRunner.Result applyNoflush(Family f, String script) {
        String cmd = ProcessRunner.program(env, f == Family.V4 ? "CNIFIX_IPTABLES_RESTORE" : "CNIFIX_IP6TABLES_RESTORE", restore(f));
        try {
            return runner.run(List.of(cmd, "--noflush", "--wait", Long.toString(Math.max(1, wait.toSeconds()))), script,
                    restoreTimeout().plus(wait));
        } catch (EnvironmentException e) {
            // A restore that hung was killed: it may or may not have committed, so the caller verifies or undoes.
            return new ProcessRunner.Result(List.of(cmd), -1, "", e.getMessage());
        }
    }
}
