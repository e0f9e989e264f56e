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
            case "raw" -> RAW;
            case "mangle" -> MANGLE;
            case "nat" -> NAT;
            case "filter", "security" -> FILTER;
            default -> Set.of();
        };
    }

    // In hook order, and made once: a dump asks for every chain it declares, and an error message lists them.
    private static final Set<String> RAW = ordered("PREROUTING", "OUTPUT");
    private static final Set<String> MANGLE = ordered("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");
    private static final Set<String> NAT = ordered("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING");
    private static final Set<String> FILTER = ordered("INPUT", "FORWARD", "OUTPUT");

    private static Set<String> ordered(String... names) {
        return java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(java.util.Arrays.asList(names)));
    }
}
