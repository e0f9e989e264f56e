package io.cnifix.cli;

import io.cnifix.system.ProcessRunner;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/** The streams, environment and process runner a command works with; tests pass their own. */
public record CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, ProcessRunner runner) {
}
