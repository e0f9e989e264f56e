package io.cnifix.remedy;

import io.cnifix.engine.Decider;
import io.cnifix.engine.Pipeline;
import io.cnifix.engine.Trace;
import io.cnifix.engine.compare.AdminNft;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Ruleset;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fixes for ports dropped in a native nftables chain an admin wrote (Debian's and RHEL's {@code inet filter forward}
 * with policy drop, say): nft rules in that very chain, below every rule of it, so each admin rule still decides
 * first. Tables the container engines or firewalld own are never written (they rewrite them), nor iptables-nft's.
 */
public final class NftDrafts {
    /** The tables other programs own and rewrite; a rule of cnifix there would be lost or fight them. */

    private NftDrafts() {
    }

    /**
     * Where a rule goes: table label ("inet filter"), chain, and the handle of the rule to add it after (0: at the
     * top), with that rule's text.
     */
    public record Spot(String table, String chain, long after, String afterText) {
    }

    /**
     * The admin chain to write in when {@code t} was dropped by an admin table's base chain policy, or by a rule that
     * drops everything reaching it (a chain's closing {@code drop}); null when something else decided (an engine,
     * firewalld, iptables, or an admin rule that singles these packets out: that is the admin's decision).
     */
    public static Spot spot(HostState host, Trace t) {
        if (t == null) {
            return null;
        }
        Decider d = t.decidedBy();
        if (d instanceof Decider.ByNftPolicy p && "drop".equals(p.policy())) {
            NftTable table = ownable(host, p.table());
            NftChain chain = table == null ? null : table.chain(p.chain());
            if (chain == null) {
                return null;
            }
            NftRule last = chain.rules().isEmpty() ? null : chain.rules().get(chain.rules().size() - 1);
            return new Spot(p.table(), chain.name(), last == null ? 0 : last.handle(), last == null ? null : last.text());
        }
        if (d instanceof Decider.ByNftRule r && AdminNft.catchAllDrop(r.rule())) {
            NftTable table = ownable(host, r.table());
            NftChain chain = table == null ? null : table.chain(r.rule().chain());
            if (chain == null) {
                return null;
            }
            NftRule before = null;
            for (NftRule x : chain.rules()) {
                if (x.handle() == r.rule().handle()) {
                    return new Spot(r.table(), chain.name(), before == null ? 0 : before.handle(), before == null ? null : before.text());
                }
                before = x;
            }
        }
        return null;
    }

    /** The native table of that label, when an admin owns it (not an engine's, firewalld's or iptables-nft's). */
    private static NftTable ownable(HostState host, String label) {
        if (!AdminNft.adminTable(label)) {
            return null;
        }
        for (NftTable t : host.nftTables()) {
            if (t.label().equals(label)) {
                Ruleset same = host.ruleset(t.family().equals("ip6") ? Family.V6 : Family.V4);
                return same == null || Pipeline.native_(t, same) ? t : null;
            }
        }
        return null;
    }

    /** An nft addition at {@code spot}; {@code spec} from {@link RuleShape#nftSpec} or {@link RuleShape#nftReplySpec}. */
    public static Proposal proposal(Spot spot, PortMapping m, String spec, String why) {
        return new Proposal(m.containerIp().family(), spot.table(), spot.chain(), (int) spot.after(), spec, m, why,
                spot.afterText(), Backend.NFT);
    }

    /** The chain (as "inet filter forward") that holds a rule with exactly these statements and comment, or null. */
    public static String holding(HostState host, String spec) {
        NftRuleText.Parsed want = NftRuleText.parse(spec);
        for (NftTable t : host.nftTables()) {
            for (NftChain c : t.chains()) {
                for (NftRule r : c.rules()) {
                    if (r.statements().equals(want.statements()) && java.util.Objects.equals(r.comment(), want.comment())) {
                        return t.label() + " " + c.name();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The host with the plan's nft part done in memory, as the kernel will hold it: each addition right after the
     * rule of its handle (the top for 0), with a fresh handle; each removal gone by its handle.
     */
    public static HostState apply(HostState host, List<Proposal> additions, List<Removal> removals) {
        List<Proposal> adds = additions.stream().filter(p -> p.backend() == Backend.NFT).toList();
        List<Removal> rems = removals.stream().filter(r -> r.backend() == Backend.NFT && r.nftRule() != null).toList();
        if (adds.isEmpty() && rems.isEmpty()) {
            return host;
        }
        List<NftTable> tables = new ArrayList<>();
        for (NftTable t : host.nftTables()) {
            long next = maxHandle(t) + 1;
            List<NftChain> chains = new ArrayList<>();
            for (NftChain c : t.chains()) {
                Set<Long> gone = new HashSet<>();
                for (Removal r : rems) {
                    NftRule n = r.nftRule();
                    if (n.family().equals(t.family()) && n.table().equals(t.name()) && n.chain().equals(c.name())) {
                        gone.add(n.handle());
                    }
                }
                List<NftRule> rules = new ArrayList<>();
                for (NftRule r : c.rules()) {
                    if (!gone.contains(r.handle())) {
                        rules.add(r);
                    }
                }
                for (Proposal p : adds) {
                    if (!p.table().equals(t.label()) || !p.chain().equals(c.name())) {
                        continue;
                    }
                    NftRuleText.Parsed parsed = NftRuleText.parse(p.spec());
                    NftRule added = new NftRule(t.family(), t.name(), c.name(), next++, parsed.statements(), parsed.comment());
                    int at = 0;
                    if (p.position() != 0) {
                        at = -1;
                        for (int i = 0; i < rules.size(); i++) {
                            if (rules.get(i).handle() == p.position()) {
                                at = i + 1;
                            }
                        }
                        if (at < 0) {
                            throw new IllegalArgumentException(p.table() + " " + p.chain() + " has no rule of handle " + p.position());
                        }
                    }
                    rules.add(at, added);
                }
                chains.add(new NftChain(c.name(), c.base(), rules));
            }
            tables.add(new NftTable(t.family(), t.name(), chains, t.sets(), t.source() + " (with cnifix's changes)"));
        }
        return new HostState(host.rulesets(), host.networks(), host.containers(), host.mappings(), host.addresses(),
                host.routes(), host.notes(), tables, host.otherBackEnd(), host.matchFacts());
    }

    private static long maxHandle(NftTable t) {
        long max = 0;
        for (NftChain c : t.chains()) {
            for (NftRule r : c.rules()) {
                max = Math.max(max, r.handle());
            }
        }
        return max;
    }
}
