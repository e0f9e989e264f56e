package io.cnifix.engine.compare;

import io.cnifix.engine.Pipeline;
import io.cnifix.model.Ruleset;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;

/**
 * Notes about the host's native nftables tables: which ones the simulation runs beside iptables, which parts of
 * them it keeps as unknown (named by table, chain and handle), and which base chains it does not run at all
 * (families bridge, netdev, arp; ingress and egress hooks).
 */
final class NativeNft {
    private NativeNft() {
    }

    static List<Finding> findings(List<NftTable> tables, Ruleset v4, Ruleset v6) {
        List<Finding> out = new ArrayList<>();
        for (NftTable t : tables) {
            Ruleset same = t.family().equals("ip6") ? v6 : v4;
            if (same != null && !Pipeline.native_(t, same)) {
                continue;
            }
            List<String> bases = new ArrayList<>();
            List<String> outside = new ArrayList<>();
            for (NftChain c : t.chains()) {
                if (!c.isBase()) {
                    continue;
                }
                String what = c.name() + " (" + c.base().type() + " " + c.base().hook() + " priority " + c.base().priority()
                        + ", policy " + c.base().policy() + ")";
                boolean simulated = (t.family().equals("ip") || t.family().equals("ip6") || t.family().equals("inet"))
                        && List.of("prerouting", "input", "forward", "postrouting").contains(c.base().hook());
                (simulated ? bases : outside).add(what);
            }
            if (!bases.isEmpty()) {
                out.add(new Finding("note", t.label(), null, null, "native nftables table " + t.label()
                        + " is judged with iptables on the same hooks: " + String.join(", ", bases)));
            }
            if (!outside.isEmpty()) {
                out.add(new Finding("note", t.label(), null, null, "native nftables table " + t.label()
                        + " has base chains cnifix does not run: " + String.join(", ", outside)));
            }
            List<String> unknown = new ArrayList<>();
            for (NftChain c : t.chains()) {
                for (NftRule r : c.rules()) {
                    if (r.hasUnknown()) {
                        unknown.add(c.name() + " handle " + r.handle());
                    }
                }
            }
            if (!unknown.isEmpty()) {
                out.add(new Finding("note", t.label(), null, null, "table " + t.label() + ": rules with expressions cnifix"
                        + " does not understand (a port they decide is unknown): " + String.join(", ", unknown.subList(0, Math.min(10, unknown.size())))
                        + (unknown.size() > 10 ? " and " + (unknown.size() - 10) + " more" : "")));
            }
        }
        return out;
    }
}
