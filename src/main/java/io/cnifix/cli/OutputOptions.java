package io.cnifix.cli;

import picocli.CommandLine.Option;

/** Output options every command shares. */
public final class OutputOptions {
    @Option(names = "--format", paramLabel = "FORMAT", converter = Candidates.Formats.class, completionCandidates = Candidates.Formats.class,
            description = "Output format: text or json (suggest, prune, reconcile also: iptables, restore).")
    String format = "text";

    @Option(names = {"-q", "--quiet"}, description = "Print only results and errors, no notes.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Say more about what was read and decided.")
    boolean verbose;

    @Option(names = "--no-color", description = "No colour, even on a terminal (NO_COLOR in the environment does the same).")
    boolean noColor;

    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

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
        return !noColor && !ctx.env().containsKey("NO_COLOR") && System.console() != null && ctx.out() == System.out;
    }
}
