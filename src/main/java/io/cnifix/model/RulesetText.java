package io.cnifix.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes a ruleset back as iptables-save text (counters zeroed), optionally with extra rules spliced into chains. */
public final class RulesetText {
    private RulesetText() {
    }

    /** A rule line ("-A CHAIN ...") to insert so that it becomes rule number {@code position} of its chain. */
    public record Insertion(String table, String chain, int position, String line) {
    }

    public static String render(Ruleset rs, List<Insertion> insertions, java.util.Set<Rule> removals) {
        // Each chain meets only its own insertions (in their order): every rule position of every chain once ran
        // through all of them, 100,000 rules times 10,000 insertions in a big host's suggest.
        Map<String, Map<String, List<Insertion>>> byChain = new HashMap<>();
        for (Insertion in : insertions) {
            byChain.computeIfAbsent(in.table(), k -> new HashMap<>()).computeIfAbsent(in.chain(), k -> new ArrayList<>()).add(in);
        }
        StringBuilder sb = new StringBuilder();
        for (Table t : rs.tables().values()) {
            sb.append('*').append(t.name()).append('\n');
            for (Chain c : t.chains().values()) {
                sb.append(':').append(c.name()).append(' ').append(c.policy() == null ? "-" : c.policy()).append(" [0:0]\n");
            }
            Map<String, List<Insertion>> ofTable = byChain.getOrDefault(t.name(), Map.of());
            for (Chain c : t.chains().values()) {
                List<Rule> rules = c.rules();
                List<Insertion> own = ofTable.getOrDefault(c.name(), List.of());
                int kept = 0;
                for (int i = 0; i <= rules.size(); i++) {
                    for (Insertion in : own) {
                        if (in.position() == kept + 1) {
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
