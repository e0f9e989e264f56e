package io.cnifix.model;

import java.util.List;

/**
 * One rule as iptables-save wrote it. {@code number} is its 1-based position in the chain (as {@code iptables -L
 * --line-numbers} shows it), {@code line} its line in {@code source}, {@code text} the line without counters.
 */
public record Rule(String table, String chain, int number, String source, int line, String text,
                   List<Match> matches, Target target) {

    public Rule {
        matches = List.copyOf(matches);
    }

    /** The rule as iptables-save would write it, from the typed matches and target. */
    public String render() {
        StringBuilder sb = new StringBuilder(text.length() + 16).append("-A ").append(chain);
        for (Match m : matches) {
            m.render(sb);
        }
        target.render(sb);
        return sb.toString();
    }

    public String comment() {
        for (Match m : matches) {
            if (m instanceof Match.Comment c) {
                return c.text();
            }
        }
        return null;
    }
}
