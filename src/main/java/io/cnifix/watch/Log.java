package io.cnifix.watch;

/** Where the watcher says what it did (the journal through {@link io.cnifix.system.Journal}, or a test's list). */
public interface Log {
    void error(String message);

    void warning(String message);

    void info(String message);

    /** Only with --verbose. */
    void debug(String message);
}
