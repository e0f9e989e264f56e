package io.cnifix.system;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Where unattended runs (the OCI hook, the systemd unit) say what they did: the system log through
 * {@code logger -t cnifix} (the journal on systemd hosts), a file when one is given, standard error when neither
 * works. Never throws: a logging failure must not turn into a failed hook.
 */
public final class Journal {
    /** syslog priorities cnifix uses. */
    public enum Level {
        ERR("err"), WARNING("warning"), INFO("info"), DEBUG("debug");

        private final String syslog;

        Level(String syslog) {
            this.syslog = syslog;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final ProcessRunner runner;
    private final PrintStream fallback;
    private final Path file;
    private final String tag;
    private boolean loggerBroken;

    /**
     * @param file append here instead of the system log (null: the system log)
     */
    public Journal(ProcessRunner runner, PrintStream fallback, Path file, String tag) {
        this.runner = runner;
        this.fallback = fallback;
        this.file = file;
        this.tag = tag;
    }

    public void error(String message) {
        log(Level.ERR, message);
    }

    public void warning(String message) {
        log(Level.WARNING, message);
    }

    public void info(String message) {
        log(Level.INFO, message);
    }

    public void debug(String message) {
        log(Level.DEBUG, message);
    }

    public void log(Level level, String message) {
        String line = oneLine(message);
        if (file != null) {
            try {
                Files.writeString(file, OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + " " + tag
                        + "[" + ProcessHandle.current().pid() + "] " + level.syslog + ": " + line + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                return;
            } catch (IOException | RuntimeException e) {
                fallback.println(tag + ": cannot write " + file + ": " + e.getMessage());
            }
        } else if (!loggerBroken && runner.exists("logger")) {
            try {
                ProcessRunner.Result r = runner.run(List.of("logger", "-t", tag,
                        "-p", "daemon." + level.syslog, "--", line), null, TIMEOUT);
                if (r.ok()) {
                    return;
                }
                loggerBroken = true;
            } catch (RuntimeException e) {
                loggerBroken = true;
            }
        }
        fallback.println(tag + ": " + level.syslog + ": " + line);
    }

    /** Control characters (newlines from a tool's error output) would split one event into several log lines. */
    static String oneLine(String s) {
        return TerminalText.escape(s.strip().replace('\n', ' ').replace('\t', ' '));
    }
}
