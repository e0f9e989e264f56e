package io.cnifix.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One netfilter table with its chains in the order they were declared. */
public record Table(String name, Map<String, Chain> chains) {

    public static final Set<String> NAMES = Set.of("raw", "mangle", "nat", "filter", "security");

    public Table {
        chains = Collections.unmodifiableMap(new LinkedHashMap<>(chains));
    }

    public Chain chain(String chainName) {
        return chains.get(chainName);
    }

    /** Built-in chains of each table, in iptables-save order. */
    public static Set<String> builtinChains(String table) {
        return switch (table) {
            case "raw" -> Set.of("PREROUTING", "OUTPUT");
            case "mangle" -> Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");
            case "nat" -> Set.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING");
            case "filter", "security" -> Set.of("INPUT", "FORWARD", "OUTPUT");
            default -> Set.of();
        };
    }
}
