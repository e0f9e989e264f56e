package io.cnifix.cli;

import picocli.CommandLine;

import java.util.Optional;

/** "Did you mean" for a mistyped long option, which picocli suggests only for subcommand names. */
final class Suggest {
    private Suggest() {
    }

    static Optional<String> option(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return Optional.empty();
        }
        String typed = u.getUnmatched().get(0);
        int eq = typed.indexOf('=');
        String name = eq < 0 ? typed : typed.substring(0, eq);
        if (!name.startsWith("--")) {
            return Optional.empty();
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (CommandLine.Model.OptionSpec o : ex.getCommandLine().getCommandSpec().options()) {
            if (o.hidden()) {
                continue;
            }
            for (String n : o.names()) {
                int d = distance(name, n);
                if (d < bestDistance) {
                    best = n;
                    bestDistance = d;
                }
            }
        }
        // two edits catch a swapped pair or a missing letter; more is a different word, not a typo
        return bestDistance <= 2 ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
