package io.cnifix.cli;

import io.cnifix.engine.Hook;
import io.cnifix.engine.Pipeline;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Ruleset;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every base chain of the host per hook, as the engine's pipeline runs them: iptables' tables and native nft tables. */
final class BaseChains {
    record Entry(String family, String table, String chain, String type, int priority, String policy, int rules, String source) {
    }

    private BaseChains() {
    }

    static Map<String, List<Entry>> of(HostState h) {
        Map<String, List<Entry>> out = new LinkedHashMap<>();
        for (Hook hook : Hook.values()) {
            List<Entry> list = new ArrayList<>();
            for (Family f : Family.values()) {
                Ruleset rs = h.ruleset(f);
                Pipeline p = new Pipeline(rs != null ? rs : Ruleset.empty(f, "none"), f == Family.V4 ? h.nftTables() : v6Only(h.nftTables()));
                for (Pipeline.Stage s : p.of(hook)) {
                    add(list, s, f);
                }
            }
            if (!list.isEmpty()) {
                list.sort(Comparator.comparingInt(Entry::priority));
                out.put(hook.name().toLowerCase(Locale.ROOT), list);
            }
        }
        return out;
    }

    /** inet tables run for both families; list them once, with IPv4. */
    private static List<NftTable> v6Only(List<NftTable> tables) {
        return tables.stream().filter(t -> !t.family().equals("inet")).toList();
    }

    private static void add(List<Entry> list, Pipeline.Stage s, Family f) {
        if (s instanceof Pipeline.IptStage i) {
            list.add(new Entry(f == Family.V4 ? "ip" : "ip6", i.table(), i.chain().name(), i.table().equals("nat") ? "nat" : "filter",
                    i.priority(), i.chain().policy().toLowerCase(Locale.ROOT), i.chain().rules().size(), "iptables-save"));
        } else if (s instanceof Pipeline.NftStage n) {
            list.add(new Entry(n.table().family(), n.table().name(), n.chain().name(), n.chain().base().type(), n.priority(),
                    n.chain().base().policy(), n.chain().rules().size(), "nft"));
        } else if (s instanceof Pipeline.NatStage nat) {
            for (Pipeline.Stage c : nat.chains()) {
                add(list, c, f);
            }
        }
    }
}
