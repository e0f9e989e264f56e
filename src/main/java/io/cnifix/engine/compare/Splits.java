package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Side;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The boundaries each rule draws across sources, source ports and destination ports, worked out once per rule.
 * A box that no visited rule's boundary cuts is treated alike by every rule its representative met.
 */
final class Splits {
    /** One rule's boundaries; source prefixes that no outside source falls in are dropped up front. */
    record OfRule(List<Cidr> sources, List<PortRange> sourcePorts, List<PortRange> destinationPorts, List<Interval> run) {
        static final OfRule NONE = new OfRule(List.of(), List.of(), List.of(), null);

        boolean empty() {
            return sources.isEmpty() && sourcePorts.isEmpty() && destinationPorts.isEmpty() && run == null;
        }
    }

    private final Map<Rule, OfRule> cache = new IdentityHashMap<>();
    private final SourceSet outside;
    private final boolean direct;

    /**
     * {@code direct}: the destination port is not rewritten, so --ctorigdstport cuts it as well. Every rule is
     * worked out here, so that lookups from several threads only read.
     */
    Splits(SourceSet outside, boolean direct, io.cnifix.model.Ruleset rules) {
        this.outside = outside;
        this.direct = direct;
        for (var t : rules.tables().values()) {
            for (var c : t.chains().values()) {
                for (Rule r : c.rules()) {
                    cache.put(r, compute(r));
                }
                runs(c.rules());
            }
        }
    }

    OfRule of(Rule r) {
        OfRule o = cache.get(r);
        return o == null ? OfRule.NONE : o;
    }

    private OfRule compute(Rule r) {
        List<Cidr> src = new ArrayList<>();
        List<PortRange> sp = new ArrayList<>();
        List<PortRange> dp = new ArrayList<>();
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && a.side() == Side.SOURCE) {
                src.add(a.cidr());
            } else if (m instanceof Match.Ports p) {
                for (Match.PortCondition c : p.conditions()) {
                    if (c instanceof Match.PortIs pi) {
                        (pi.side() == Side.SOURCE ? sp : dp).add(pi.range());
                    }
                }
            } else if (m instanceof Match.Multiport mp) {
                if (mp.side() != Side.DESTINATION) {
                    sp.addAll(mp.ports());
                }
                if (mp.side() != Side.SOURCE) {
                    dp.addAll(mp.ports());
                }
            } else if (m instanceof Match.Conntrack ct) {
                for (Match.CtCondition c : ct.conditions()) {
                    if (c instanceof Match.CtAddress a && (a.reply() ? a.side() == Side.DESTINATION : a.side() == Side.SOURCE)) {
                        src.add(a.cidr());
                    } else if (c instanceof Match.CtPort p) {
                        boolean source = p.reply() ? p.side() == Side.DESTINATION : p.side() == Side.SOURCE;
                        if (source) {
                            sp.add(p.range());
                        } else if (direct) {
                            dp.add(p.range());
                        }
                    }
                }
            }
        }
        src.removeIf(c -> c.family() != outside.first().family() || !outside.intersects(Interval.of(c)));
        OfRule o = new OfRule(List.copyOf(src), List.copyOf(sp), List.copyOf(dp), null);
        return o.empty() ? OfRule.NONE : o;
    }

    /**
     * A run: consecutive rules that differ only in their source prefix (and comment), like a blocklist of
     * {@code -s X/32 -j DROP}. Every packet from any member's prefix meets the same rules before and after the run
     * and the same target, so the run draws one boundary, its whole source set, instead of one per member: a box
     * inside it (or outside it) needs one trace, not one per member. That keeps N such rules linear, not quadratic.
     */
    private void runs(List<Rule> rules) {
        int start = 0;
        for (int i = 1; i <= rules.size(); i++) {
            if (i < rules.size() && siblings(rules.get(i - 1), rules.get(i))) {
                continue;
            }
            if (i - start >= 2) {
                List<Interval> union = new ArrayList<>();
                for (Rule r : rules.subList(start, i)) {
                    Cidr c = source(r);
                    if (c.family() == outside.first().family()) {
                        union.add(Interval.of(c));
                    }
                }
                List<Interval> run = List.copyOf(Interval.merge(union));
                for (Rule r : rules.subList(start, i)) {
                    OfRule o = cache.get(r);
                    cache.put(r, new OfRule(List.of(), o.sourcePorts(), o.destinationPorts(), run));
                }
            }
            start = i;
        }
    }

    /** The one positive source prefix a run member tests, or null. */
    private static Cidr source(Rule r) {
        Cidr found = null;
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && a.side() == Side.SOURCE) {
                if (a.negated() || found != null) {
                    return null;
                }
                found = a.cidr();
            } else if (m instanceof Match.Conntrack) {
                return null;
            }
        }
        return found;
    }

    private static boolean siblings(Rule a, Rule b) {
        if (!a.target().equals(b.target()) || a.matches().size() != b.matches().size() || source(a) == null || source(b) == null) {
            return false;
        }
        for (int i = 0; i < a.matches().size(); i++) {
            Match x = a.matches().get(i);
            Match y = b.matches().get(i);
            boolean bothSource = x instanceof Match.Address ax && ax.side() == Side.SOURCE
                    && y instanceof Match.Address ay && ay.side() == Side.SOURCE;
            boolean bothComment = x instanceof Match.Comment && y instanceof Match.Comment;
            if (!bothSource && !bothComment && !x.equals(y)) {
                return false;
            }
        }
        return true;
    }
}
