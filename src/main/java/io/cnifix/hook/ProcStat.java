package io.cnifix.hook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads a process's start time from {@code /proc/PID/stat} (field 22, in clock ticks since boot). A PID alone does
 * not prove a container is alive: the kernel reuses PIDs, so the hook records the PID together with its start time
 * and a later check compares both. The root is injectable so tests can fake /proc with a directory.
 */
public final class ProcStat {
    private final Path root;

    public ProcStat(Path root) {
        this.root = root;
    }

    /** The start time of process {@code pid}, or empty when there is no such process (or its stat is unreadable). */
    public OptionalLong startTime(long pid) {
        if (pid <= 0) {
            return OptionalLong.empty();
        }
        // /proc files report size 0, so read a bounded prefix instead of trusting the size; stat is well under 4 KiB.
        String text;
        try (InputStream in = Files.newInputStream(root.resolve(Long.toString(pid)).resolve("stat"))) {
            text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        // Field 2 (comm) is in parentheses and may hold spaces or ')': count fields from the last ')'.
        int close = text.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = text.substring(close + 1).strip().split("\\s+");
        int index = 22 - 3; // f[0] is field 3 (state)
        if (f.length <= index) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(f[index]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * True unless the record proves the process is gone: a PID of 0 means the PID was not known (an old record, a
     * runtime that passes none), which cannot be proven stale; a start time of 0 means only the PID is compared.
     */
    public boolean alive(long pid, long startTime) {
        if (pid <= 0) {
            return true;
        }
        OptionalLong now = startTime(pid);
        return now.isPresent() && (startTime <= 0 || now.getAsLong() == startTime);
    }
}
