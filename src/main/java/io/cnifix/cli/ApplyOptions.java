package io.cnifix.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options of commands that change the live firewall. */
public final class ApplyOptions {
    @Option(names = "--apply", description = "Install the change on the live host: one verified transaction, rolled back on failure.")
    boolean apply;

    @Option(names = "--backup-dir", paramLabel = "DIR", description = "Where the ruleset is saved before a change (default ${DEFAULT-VALUE}).")
    Path backupDir = Path.of("/var/lib/cnifix/backups");

    @Option(names = "--wait", paramLabel = "SECONDS", description = "How long to wait for the xtables lock and cnifix's own lock (default ${DEFAULT-VALUE}).")
    int waitSeconds = 10;

    @Option(names = "--lock-file", paramLabel = "FILE", hidden = true, description = "cnifix's own lock (default ${DEFAULT-VALUE}).")
    Path lockFile = Path.of("/run/cnifix.lock");
}
