package io.cnifix.model;

import java.util.List;

/** Writes a ruleset back as iptables-save text (counters zeroed), optionally with extra rules spliced into chains. */
public final class RulesetText {
    private RulesetText() {
    }

    /** A rule line ("-A CHAIN ...") to insert so that it becomes rule number {@code position} of its chain. */
    public record Insertion(String table, String chain, int position, String line) {
    }

    public static String render(Ruleset rs, List<Insertion> insertions, java.util.Set<Rule> removals) {
        StringBuilder sb = new StringBuilder();
        for (Table t : rs.tables().values()) {
            sb.append('*').append(t.name()).append('\n');
            for (Chain c : t.chains().values()) {
                sb.append(':').append(c.name()).append(' ').append(c.policy() == null ? "-" : c.policy()).append(" [0:0]\n");
            }
            for (Chain c : t.chains().values()) {
                List<Rule> rules = c.rules();
                int kept = 0;
                for (int i = 0; i <= rules.size(); i++) {
                    for (Insertion in : insertions) {
                        if (in.table().equals(t.name()) && in.chain().equals(c.name()) && in.position() == kept + 1) {
                            sb.append(in.line()).append('\n');
                            kept++;
                        }
                    }
                    if (i < rules.size() && !removals.contains(rules.get(i))) {
                        sb.append(rules.get(i).text()).append('\n');
                        kept++;
                    }
                }
            }
            sb.append("COMMIT\n");
        }
        return sb.toString();
    }

    public static String render(Ruleset rs) {
        return render(rs, List.of(), java.util.Set.of());
    }
}
