package io.cnifix.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Everything one iptables-save (or ip6tables-save) dump holds. */
public record Ruleset(Family family, String source, Map<String, Table> tables) {

    public Ruleset {
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
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
}
