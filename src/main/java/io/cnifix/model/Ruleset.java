package io.cnifix.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything one iptables-save (or ip6tables-save) dump holds; {@code notes} say what the parser read in a way the
 * text alone does not show (an old spelling, a rule that can never match), each naming its file and line.
 */
public record Ruleset(Family family, String source, Map<String, Table> tables, List<String> notes) {

    public Ruleset {
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        notes = List.copyOf(notes);
    }

    public Ruleset(Family family, String source, Map<String, Table> tables) {
        this(family, source, tables, List.of());
    }

    public static Ruleset empty(Family family, String source) {
        return new Ruleset(family, source, Map.of());
    }

    public Table table(String name) {
        return tables.get(name);
    }

    public Chain chain(String table, String chain) {
        Table t = tables.get(table);
        return t == null ? null : t.chain(chain);
    }

    public int ruleCount() {
        int n = 0;
        for (Table t : tables.values()) {
            for (Chain c : t.chains().values()) {
                n += c.rules().size();
            }
        }
        return n;
    }

    /** This ruleset as it would read back after deleting {@code gone}: the other rules renumbered in their chains. */
    public Ruleset without(Collection<Rule> gone) {
        Set<Rule> drop = new HashSet<>(gone);
        Map<String, Table> out = new LinkedHashMap<>();
        for (Table t : tables.values()) {
            Map<String, Chain> chains = new LinkedHashMap<>();
            for (Chain c : t.chains().values()) {
                List<Rule> kept = new ArrayList<>();
                for (Rule r : c.rules()) {
                    if (!drop.contains(r)) {
                        kept.add(new Rule(r.table(), r.chain(), kept.size() + 1, r.source(), r.line(), r.span(), r.matches(), r.target()));
                    }
                }
                chains.put(c.name(), new Chain(c.name(), c.policy(), kept));
            }
            out.put(t.name(), new Table(t.name(), chains));
        }
        return new Ruleset(family, source, out, notes);
    }
}
