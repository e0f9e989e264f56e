package io.cnifix.cli;

import picocli.CommandLine.Option;

/** Output options every command shares. */
public final class OutputOptions {
    @Option(names = "--format", paramLabel = "FORMAT", converter = Candidates.Formats.class, completionCandidates = Candidates.Formats.class,
            description = "Output format: text or json (suggest, prune, reconcile also: iptables, restore, nft, firewall-cmd).")
    String format = "text";

    @Option(names = {"-q", "--quiet"}, description = "Print only results and errors, no notes.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Say more about what was read and decided.")
    boolean verbose;

    @Option(names = "--no-color", description = "No colour, even on a terminal (NO_COLOR in the environment does the same).")
    boolean noColor;

    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

    @Option(names = "--no-trunc", description = "Do not cut long fields to the terminal's width (text output; JSON is never cut).")
    boolean noTrunc;

    void requireFormat(String... allowed) {
        for (String a : allowed) {
            if (a.equals(format)) {
                return;
            }
        }
        throw new UsageException("--format " + format + " is not one of " + String.join(", ", allowed));
    }

    boolean json() {
        return format.equals("json");
    }

    boolean color(CliContext ctx) {
        return !noColor && !ctx.env().containsKey("NO_COLOR") && terminal(ctx);
    }

    /** Whether results go to a terminal (a person reading) rather than a pipe or file. */
    static boolean terminal(CliContext ctx) {
        return System.console() != null && io.cnifix.system.TerminalText.writesTo(ctx.out(), System.out);
    }

    /**
     * How wide text tables may be: 0 (no limit) with --no-trunc or when not writing to a terminal; else COLUMNS
     * when set, else what the terminal says, else 80.
     */
    int width(CliContext ctx) {
        if (noTrunc || !terminal(ctx)) {
            return 0;
        }
        String columns = ctx.env().get("COLUMNS");
        if (columns != null && columns.matches("[1-9][0-9]{0,3}")) {
            return Integer.parseInt(columns);
        }
        try {
            var r = ctx.runner().run(java.util.List.of("stty", "-F", "/dev/tty", "size"), null, java.time.Duration.ofSeconds(2));
            String[] rowsCols = r.stdout().strip().split("\\s+");
            if (r.ok() && rowsCols.length == 2 && rowsCols[1].matches("[1-9][0-9]{0,3}")) {
                return Integer.parseInt(rowsCols[1]);
            }
        } catch (RuntimeException e) {
            // no stty or no controlling terminal: the classic width
        }
        return 80;
    }
}
