package io.cnifix.model;

import java.util.List;

/**
 * One rule as iptables-save wrote it. {@code number} is its 1-based position in the chain (as {@code iptables -L
 * --line-numbers} shows it), {@code line} its line in {@code source}, {@code span} the line without counters, as
 * a place in the text it was read from ({@link #text} makes it a string).
 */
public record Rule(String table, String chain, int number, String source, int line, TextSpan span,
                   List<Match> matches, Target target) {

    public Rule {
        matches = List.copyOf(matches);
    }

    public Rule(String table, String chain, int number, String source, int line, String text, List<Match> matches,
                Target target) {
        this(table, chain, number, source, line, TextSpan.of(text), matches, target);
    }

    /** The line without counters. */
    public String text() {
        return span.toString();
    }

    /** The rule as iptables-save would write it, from the typed matches and target. */
    public String render() {
        StringBuilder sb = new StringBuilder(span.length() + 16).append("-A ").append(chain);
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
