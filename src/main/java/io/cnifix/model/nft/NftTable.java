package io.cnifix.model.nft;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** One table of {@code nft -j list ruleset}: family (ip, ip6, inet, arp, bridge, netdev), name, chains, sets. */
public record NftTable(String family, String name, List<NftChain> chains, List<NftSet> sets, String source) {
    /** The tables iptables-nft (and ip6tables-nft) keep their rules in. */
    public static final Set<String> IPTABLES_NAMES = Set.of("filter", "nat", "raw", "mangle", "security");

    public NftTable {
        chains = List.copyOf(chains);
        sets = List.copyOf(sets);
    }

    /** {@code inet firewalld}: how nft names the table. */
    public String label() {
        return family + " " + name;
    }

    /** A table named like one of iptables-nft's ({@code ip filter}, {@code ip6 nat}, ...). */
    public boolean iptablesName() {
        return (family.equals("ip") || family.equals("ip6")) && IPTABLES_NAMES.contains(name);
    }

    /** True when some rule holds an xtables match or target ({@code {"xt": ...}}): iptables-nft wrote it. */
    public boolean hasXt() {
        for (NftChain c : chains) {
            for (NftRule r : c.rules()) {
                for (NftStmt s : r.statements()) {
                    if (s instanceof NftStmt.Unknown u && u.kind().equals("xt")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    public NftChain chain(String chainName) {
        for (NftChain c : chains) {
            if (c.name().equals(chainName)) {
                return c;
            }
        }
        return null;
    }

    public NftSet set(String setName) {
        for (NftSet s : sets) {
            if (s.name().equals(setName)) {
                return s;
            }
        }
        return null;
    }

    public Map<String, NftChain> chainsByName() {
        return chains.stream().collect(Collectors.toMap(NftChain::name, Function.identity(), (a, b) -> a));
    }
}
