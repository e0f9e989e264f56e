package io.cnifix.model;

import java.util.List;
import java.util.Set;

/**
 * One table of the native nftables ruleset ({@code nft -j list ruleset}), digested to what cnifix needs to tell
 * whether it could decide the fate of a forwarded packet: its chains, their hooks and policies, and per rule the
 * conditions it tests and what it may do. cnifix does not simulate these rules; it only notices them.
 */
public record NftTable(String family, String name, List<NftChain> chains, String source) {
    /** The tables iptables-nft (and ip6tables-nft) keep their rules in; iptables-save shows them completely. */
    private static final Set<String> IPTABLES_TABLES = Set.of("filter", "nat", "raw", "mangle", "security");

    public NftTable {
        chains = List.copyOf(chains);
    }

    /** True for a table iptables-nft owns ({@code ip filter}, {@code ip6 nat}, ...): its rules are read from iptables-save. */
    public boolean iptablesNft() {
        return (family.equals("ip") || family.equals("ip6")) && IPTABLES_TABLES.contains(name);
    }

    /** {@code inet firewalld}: how nft names the table. */
    public String label() {
        return family + " " + name;
    }

    public NftChain chain(String chainName) {
        for (NftChain c : chains) {
            if (c.name().equals(chainName)) {
                return c;
            }
        }
        return null;
    }

    /** A chain; {@code hook} is null for a regular chain (reached only by jump or goto). */
    public record NftChain(String name, String type, String hook, Integer priority, String policy, List<NftRule> rules) {
        public NftChain {
            rules = List.copyOf(rules);
        }

        public boolean base() {
            return hook != null;
        }
    }

    /**
     * One rule: every condition must hold for it to act. {@code actions} are what it may do: "accept", "drop",
     * "reject", "queue", "return", "continue", "jump:CHAIN", "goto:CHAIN", "dnat", "snat", "redirect",
     * "masquerade", "mark" (sets a packet or conntrack mark); a verdict map lists each verdict it holds.
     */
    public record NftRule(long handle, List<Condition> conditions, List<String> actions) {
        public NftRule {
            conditions = List.copyOf(conditions);
            actions = List.copyOf(actions);
        }
    }

    /**
     * A test such as {@code oifname == "docker0"}: {@code key} is "iifname", "oifname", "ct state", "ct status",
     * "l4proto", "nfproto", "ip daddr", "ip6 saddr", "tcp dport", "th dport", ... or "?" for anything else;
     * {@code op} is "==", "!=", "in", ... ; {@code values} are texts: "lo", "80", "5353-5360", "10.88.0.0/16".
     */
    public record Condition(String key, String op, List<String> values) {
        public Condition {
            values = List.copyOf(values);
        }
    }
}
