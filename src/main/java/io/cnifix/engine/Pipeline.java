package io.cnifix.engine;

import io.cnifix.model.Chain;
import io.cnifix.model.Family;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every base chain registered on each hook for one address family, whatever wrote it: iptables' tables (legacy or
 * iptables-nft, from iptables-save) at their classic priorities, and native nftables base chains of the families
 * ip/ip6/inet that match. nat chains do not run at their own priority: the kernel's NAT core runs them, lowest
 * priority first, from its one hook (prerouting -100, input 100, postrouting 100), and stops at the first that
 * binds the connection (nf_nat_inet_fn). Conntrack itself sits at -200 on prerouting.
 */
public final class Pipeline {
    public static final int CONNTRACK = -200;

    /** One step of a hook: a base chain, the conntrack lookup, or the NAT core with its chains. */
    public sealed interface Stage {
        int priority();

        /** "ip filter FORWARD", "inet firewalld filter_FORWARD". */
        String label();
    }

    /** An iptables table's built-in chain; {@code table} is iptables' table name. */
    public record IptStage(String table, Chain chain, int priority, Family family) implements Stage {
        @Override
        public String label() {
            return (family == Family.V4 ? "ip " : "ip6 ") + table + " " + chain.name();
        }
    }

    /** A native nftables base chain. */
    public record NftStage(NftTable table, NftChain chain, int priority) implements Stage {
        @Override
        public String label() {
            return table.label() + " " + chain.name();
        }
    }

    public record ConntrackStage() implements Stage {
        @Override
        public int priority() {
            return CONNTRACK;
        }

        @Override
        public String label() {
            return "conntrack";
        }
    }

    /** The NAT core at its hook's priority, with the nat chains it runs, lowest priority first. */
    public record NatStage(int priority, List<Stage> chains) implements Stage {
        public NatStage {
            chains = List.copyOf(chains);
        }

        @Override
        public String label() {
            return "nat";
        }
    }

    private final Map<Hook, List<Stage>> stages = new EnumMap<>(Hook.class);
    private final List<NftTable> skipped = new ArrayList<>();

    public Pipeline(Ruleset rules, List<NftTable> nft) {
        Family family = rules.family();
        for (Hook h : Hook.values()) {
            List<Stage> list = new ArrayList<>();
            List<Stage> nat = new ArrayList<>();
            for (String name : h.tables) {
                Table t = rules.table(name);
                Chain c = t == null ? null : t.chain(h.name());
                if (c == null) {
                    continue;
                }
                IptStage s = new IptStage(name, c, classicPriority(name, h), family);
                (name.equals("nat") ? nat : list).add(s);
            }
            for (NftTable t : nft) {
                if (!native_(t, rules) || !familyMatches(t.family(), family)) {
                    continue;
                }
                for (NftChain c : t.chains()) {
                    if (c.base() == null || !h.name().equalsIgnoreCase(c.base().hook())) {
                        continue;
                    }
                    NftStage s = new NftStage(t, c, c.base().priority());
                    (c.base().type().equals("nat") ? nat : list).add(s);
                }
            }
            if (h == Hook.PREROUTING) {
                list.add(new ConntrackStage());
            }
            if (!nat.isEmpty()) {
                nat.sort(Comparator.comparingInt(Stage::priority));
                list.add(new NatStage(h == Hook.PREROUTING ? -100 : 100, nat));
            }
            list.sort(Comparator.comparingInt(Stage::priority));
            stages.put(h, List.copyOf(list));
        }
        for (NftTable t : nft) {
            if (!native_(t, rules)) {
                skipped.add(t);
            }
        }
    }

    /** The stages of one hook in the order the kernel runs them (equal priorities in listed order). */
    public List<Stage> of(Hook h) {
        return stages.get(h);
    }

    /** Every hook's stages, for show. */
    public Map<Hook, List<Stage>> all() {
        return java.util.Collections.unmodifiableMap(stages);
    }

    /** nft tables not evaluated here because iptables-save shows them (iptables-nft's own tables). */
    public List<NftTable> skipped() {
        return List.copyOf(skipped);
    }

    /**
     * True for a table cnifix takes from nft: not one of iptables-nft's (named like an iptables table, in family
     * ip/ip6, and either holding xtables expressions or shown by iptables-save too). Counting it twice would run
     * the same rules twice.
     */
    public static boolean native_(NftTable t, Ruleset rules) {
        if (!t.iptablesName()) {
            return true;
        }
        Family f = t.family().equals("ip") ? Family.V4 : Family.V6;
        if (t.hasXt()) {
            return false;
        }
        return !(rules.family() == f && rules.table(t.name()) != null);
    }

    static boolean familyMatches(String nftFamily, Family f) {
        return nftFamily.equals("inet") || nftFamily.equals("ip") && f == Family.V4 || nftFamily.equals("ip6") && f == Family.V6;
    }

    /** Where iptables registers its tables (NF_IP_PRI_*). */
    public static int classicPriority(String table, Hook h) {
        return switch (table) {
            case "raw" -> -300;
            case "mangle" -> -150;
            case "nat" -> h == Hook.PREROUTING ? -100 : 100;
            case "security" -> 50;
            default -> 0;
        };
    }
}
