package io.cnifix.remedy;

import io.cnifix.ingest.RuleTokens;
import io.cnifix.model.Family;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plan written for machines: input for {@code iptables-restore --noflush} (one transaction; declares no chain,
 * since with --noflush a declared chain is flushed), or runnable iptables commands for a shell.
 */
public final class Scripts {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:,=+@%-]+");

    private Scripts() {
    }

    /** Deletions first (their positions do not matter), then insertions in ascending position. */
    public static String restore(Plan plan, Family family) {
        StringBuilder sb = new StringBuilder("*filter\n");
        for (Removal r : plan.removals(Backend.IPTABLES)) {
            if (r.family() == family) {
                sb.append("-D").append(r.rule().text().substring(2)).append('\n');
            }
        }
        for (Proposal p : plan.additions(Backend.IPTABLES)) {
            if (p.family() == family) {
                sb.append("-I ").append(p.chain()).append(' ').append(p.position()).append(' ').append(p.spec()).append('\n');
            }
        }
        return sb.append("COMMIT\n").toString();
    }

    public static List<String> commands(Plan plan) {
        List<String> out = new ArrayList<>();
        for (Removal r : plan.removals(Backend.IPTABLES)) {
            out.add(command(r.family(), "-D" + r.rule().text().substring(2)));
        }
        for (Proposal p : plan.additions(Backend.IPTABLES)) {
            out.add(command(p.family(), "-I " + p.chain() + " " + p.position() + " " + p.spec()));
        }
        return out;
    }

    private static String command(Family f, String rule) {
        StringBuilder sb = new StringBuilder(f == Family.V4 ? "iptables" : "ip6tables").append(" -w -t filter");
        for (String w : RuleTokens.words(rule)) {
            sb.append(' ').append(shellQuote(w));
        }
        return sb.toString();
    }

    static String shellQuote(String word) {
        if (SAFE.matcher(word).matches() || word.equals("!")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
