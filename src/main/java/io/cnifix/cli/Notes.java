package io.cnifix.cli;

import java.util.List;

/** Notes about what was read: on standard error, left out with --quiet. */
final class Notes {
    private Notes() {
    }

    static void print(CliContext ctx, OutputOptions output, List<String> notes) {
        if (output.quiet) {
            return;
        }
        for (String n : notes) {
            ctx.err().println("note: " + n);
        }
    }
}
