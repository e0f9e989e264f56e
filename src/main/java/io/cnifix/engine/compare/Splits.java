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
    record OfRule(List<Cidr> sources, List<PortRange> sourcePorts, List<PortRange> destinationPorts) {
        static final OfRule NONE = new OfRule(List.of(), List.of(), List.of());

        boolean empty() {
            return sources.isEmpty() && sourcePorts.isEmpty() && destinationPorts.isEmpty();
        }
    }

    private final Map<Rule, OfRule> cache = new IdentityHashMap<>();
    private final SourceSet outside;
    private final boolean direct;
    private final io.cnifix.engine.HostNet net;

    /**
     * {@code direct}: the destination port is not rewritten, so --ctorigdstport cuts it as well. Every rule is
     * worked out here, so that lookups from several threads only read.
     */
    Splits(SourceSet outside, boolean direct, io.cnifix.model.Ruleset rules) {
        this(outside, direct, rules, null);
    }

    /** {@code net} non-null: also the boundaries of matches that read the host (iprange, rpfilter, set). */
    Splits(SourceSet outside, boolean direct, io.cnifix.model.Ruleset rules, io.cnifix.engine.HostNet net) {
        this.outside = outside;
        this.direct = direct;
        this.net = net;
        for (var t : rules.tables().values()) {
            for (var c : t.chains().values()) {
                for (Rule r : c.rules()) {
                    cache.put(r, compute(r));
                }
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
            } else if (net != null && (m instanceof Match.IpRange || m instanceof Match.RpFilter || m instanceof Match.SetMatch)) {
                io.cnifix.engine.HostNet.Cuts cuts = net.cuts(m);
                src.addAll(cuts.sources());
                sp.addAll(cuts.sourcePorts());
                dp.addAll(cuts.destinationPorts());
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
        OfRule o = new OfRule(List.copyOf(src), List.copyOf(sp), List.copyOf(dp));
        return o.empty() ? OfRule.NONE : o;
    }
}
