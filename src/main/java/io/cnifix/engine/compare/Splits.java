package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Side;
import io.cnifix.model.IpAddress;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

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

    private final Map<Rule, OfRule> cache;
    /** Per nft constant, its prefixes that can hold an outside source. */
    private final Map<NftExpr, List<Cidr>> outsideCidrs = new java.util.HashMap<>();
    private final SourceSet outside;
    private final boolean direct;
    /** For replies: the client is the destination, its port the destination port. */
    private final boolean reply;
    /** Non-null: also the boundaries of matches that read the host (iprange, rpfilter, set). */
    private final io.cnifix.engine.HostNet net;
    /** Where the rp_filter sysctl's reverse-path lookup changes, for first packets (empty when it is off). */
    private final List<Cidr> reversePath;

    /**
     * {@code direct}: the destination port is not rewritten, so --ctorigdstport cuts it as well. Every rule is
     * worked out here, so that lookups from several threads only read.
     */
    Splits(SourceSet outside, boolean direct, io.cnifix.model.Ruleset rules) {
        this(outside, direct, false, rules, Map.of(), List.of(), null);
    }

    /**
     * {@code nft}: native nftables rules by the stand-ins traces list them as, {@code tables} the tables their
     * named sets live in; {@code reply}: boundaries for reply packets, whose destination is the client; {@code net}
     * non-null: also the boundaries of matches that read the host (iprange, rpfilter, set).
     */
    Splits(SourceSet outside, boolean direct, boolean reply, io.cnifix.model.Ruleset rules, Map<Rule, NftRule> nft,
           List<NftTable> tables, io.cnifix.engine.HostNet net) {
        this.outside = outside;
        this.direct = direct;
        this.reply = reply;
        this.net = net;
        this.reversePath = net == null || reply ? List.of() : net.reversePathCuts();
        int size = nft.size();
        for (var t : rules.tables().values()) {
            for (var c : t.chains().values()) {
                size += c.rules().size();
            }
        }
        this.cache = new IdentityHashMap<>(size); // sized once: a netavark host puts 40,000 nft rules here
        for (var t : rules.tables().values()) {
            for (var c : t.chains().values()) {
                for (Rule r : c.rules()) {
                    cache.put(r, reply ? computeReply(r) : compute(r));
                }
                if (!reply) {
                    runs(c.rules()); // runs are of source prefixes; a reply's client is its destination
                }
            }
        }
        // By family, then name: 40,000 rules need no "family name" string built each to find their table.
        Map<String, Map<String, NftTable>> byLabel = new java.util.HashMap<>();
        for (NftTable t : tables) {
            byLabel.computeIfAbsent(t.family(), k -> new java.util.HashMap<>()).put(t.name(), t);
        }
        for (Map.Entry<Rule, NftRule> e : nft.entrySet()) {
            NftRule r = e.getValue();
            Map<String, NftTable> ofFamily = byLabel.get(r.family());
            cache.put(e.getKey(), computeNft(r, ofFamily == null ? null : ofFamily.get(r.table())));
        }
    }

    /** Source boundaries the rp_filter sysctl draws for packets in on {@code in} (routes back); empty when it is off. */
    List<Cidr> reversePathCuts(String in) {
        return reversePath.isEmpty() || !net.reversePathOn(in) ? List.of() : reversePath;
    }

    /** A reply's client sits where an iptables rule says -d and --dport. */
    private OfRule computeReply(Rule r) {
        List<Cidr> src = new ArrayList<>();
        List<PortRange> sp = new ArrayList<>();
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && a.side() == Side.DESTINATION) {
                src.add(a.cidr());
            } else if (m instanceof Match.Ports p) {
                for (Match.PortCondition c : p.conditions()) {
                    if (c instanceof Match.PortIs pi && pi.side() == Side.DESTINATION) {
                        sp.add(pi.range());
                    }
                }
            } else if (m instanceof Match.Multiport mp && mp.side() != Side.SOURCE) {
                sp.addAll(mp.ports());
            } else if (m instanceof Match.Conntrack ct) {
                for (Match.CtCondition c : ct.conditions()) {
                    if (c instanceof Match.CtAddress a && (a.reply() ? a.side() == Side.DESTINATION : a.side() == Side.SOURCE)) {
                        src.add(a.cidr());
                    } else if (c instanceof Match.CtPort p && (p.reply() ? p.side() == Side.DESTINATION : p.side() == Side.SOURCE)) {
                        sp.add(p.range());
                    }
                }
            }
        }
        return finish(src, sp, new ArrayList<>());
    }

    /**
     * Only statements whose key names the client's address or a port can draw a boundary; the rest (fib, meta,
     * ct state, verdicts, NAT without a map) are passed over before any list is made, and the lists are only
     * made for a rule that has such a key: a netavark host runs this for 40,000 rules in each of four views.
     */
    private OfRule computeNft(NftRule r, NftTable t) {
        Bounds b = new Bounds();
        for (NftStmt s : r.statements()) {
            if (s instanceof NftStmt.Match m) {
                if (relevant(m.left())) {
                    nftBounds(m.left(), constants(m.right(), t), b);
                }
            } else if (s instanceof NftStmt.VMap vm) {
                if (relevant(vm.key())) {
                    nftBounds(vm.key(), constants(vm.map(), t), b);
                }
            } else if (s instanceof NftStmt.Nat n && n.address() instanceof NftExpr.MapLookup ml) {
                if (relevant(ml.key())) {
                    nftBounds(ml.key(), constants(ml.map(), t), b);
                }
            }
        }
        if (b.src == null && b.sp == null && b.dp == null) {
            return OfRule.NONE;
        }
        OfRule o = new OfRule(b.src == null ? List.of() : List.copyOf(b.src), b.sp == null ? List.of() : List.copyOf(b.sp),
                b.dp == null ? List.of() : List.copyOf(b.dp), null);
        return o.empty() ? OfRule.NONE : o;
    }

    /** One nft rule's boundaries as they are found; a list stays null until something is added to it. */
    private static final class Bounds {
        List<Cidr> src;
        List<PortRange> sp;
        List<PortRange> dp;

        void sources(List<Cidr> c) {
            if (!c.isEmpty()) {
                (src == null ? src = new ArrayList<>() : src).addAll(c);
            }
        }

        void port(String kind, PortRange pr) {
            if (kind.equals("sport")) {
                (sp == null ? sp = new ArrayList<>() : sp).add(pr);
            } else {
                (dp == null ? dp = new ArrayList<>() : dp).add(pr);
            }
        }
    }

    private boolean relevant(NftExpr left) {
        return left instanceof NftExpr.Concat || kindOf(left) != null;
    }

    /** The constants a right-hand side stands for: set elements, map keys, or itself. */
    private static List<NftExpr> constants(NftExpr right, NftTable t) {
        List<NftExpr> elements = right instanceof NftExpr.SetLiteral s ? s.elements()
                : right instanceof NftExpr.SetRef ref && t != null && t.set(ref.name()) != null ? t.set(ref.name()).elements()
                : List.of(right);
        boolean mappings = false;
        for (NftExpr e : elements) {
            mappings |= e instanceof NftExpr.Mapping;
        }
        if (!mappings) {
            return elements;
        }
        List<NftExpr> out = new ArrayList<>(elements.size());
        for (NftExpr e : elements) {
            out.add(e instanceof NftExpr.Mapping m ? m.key() : e);
        }
        return out;
    }

    private void nftBounds(NftExpr left, List<NftExpr> values, Bounds b) {
        if (left instanceof NftExpr.Concat c) {
            for (int i = 0; i < c.parts().size(); i++) {
                List<NftExpr> part = new ArrayList<>();
                for (NftExpr v : values) {
                    if (v instanceof NftExpr.Concat vc && vc.parts().size() == c.parts().size()) {
                        part.add(vc.parts().get(i));
                    }
                }
                nftBounds(c.parts().get(i), part, b);
            }
            return;
        }
        String kind = kindOf(left);
        if (kind == null) {
            return;
        }
        for (NftExpr v : values) {
            if (kind.equals("src")) {
                b.sources(outsideCidrsOf(v));
            } else {
                PortRange pr = portsOf(v);
                if (pr != null) {
                    b.port(kind, pr);
                }
            }
        }
    }

    /**
     * The prefixes a constant stands for that can hold an outside source (what {@code finish} keeps), once per
     * constant: netavark's 20,000 SETMARK rules all test the same bridge subnet.
     */
    private List<Cidr> outsideCidrsOf(NftExpr v) {
        return outsideCidrs.computeIfAbsent(v, k -> {
            List<Cidr> c = new ArrayList<>(cidrsOf(k));
            c.removeIf(x -> x.family() != outside.first().family() || !outside.intersects(Interval.of(x)));
            return List.copyOf(c);
        });
    }

    /** What an nft key tells about the box: "src" (client address), "sport" (client port), "dport", or null. */
    private String kindOf(NftExpr left) {
        if (left instanceof NftExpr.Payload p) {
            boolean l4 = switch (p.protocol()) {
                case "tcp", "udp", "sctp", "th" -> true;
                default -> false;
            };
            if ((p.protocol().equals("ip") || p.protocol().equals("ip6"))) {
                return p.field().equals(reply ? "daddr" : "saddr") ? "src" : null;
            }
            if (l4 && p.field().equals("sport")) {
                return reply ? (direct ? "dport" : null) : "sport";
            }
            if (l4 && p.field().equals("dport")) {
                return reply ? "sport" : "dport";
            }
            return null;
        }
        if (left instanceof NftExpr.Ct c && c.dir() != null) {
            boolean orig = c.dir().equals("original");
            if (c.key().endsWith("saddr") && orig || c.key().endsWith("daddr") && !orig) {
                return "src";
            }
            if (c.key().equals("proto-src") && orig || c.key().equals("proto-dst") && !orig) {
                return "sport";
            }
            if (c.key().equals("proto-dst") && orig && direct) {
                return "dport";
            }
        }
        return null;
    }

    private static List<Cidr> cidrsOf(NftExpr v) {
        try {
            if (v instanceof NftExpr.Prefix p) {
                return List.of(Cidr.parse(p.address() + "/" + p.length()));
            }
            if (v instanceof NftExpr.Value x) {
                return List.of(Cidr.host(IpAddress.parse(x.text())));
            }
            if (v instanceof NftExpr.Range r && r.low() instanceof NftExpr.Value lo && r.high() instanceof NftExpr.Value hi) {
                return List.of(Cidr.host(IpAddress.parse(lo.text())), Cidr.host(IpAddress.parse(hi.text())));
            }
        } catch (RuntimeException e) {
            // not an address
        }
        return List.of();
    }

    private static PortRange portsOf(NftExpr v) {
        try {
            if (v instanceof NftExpr.Value x && x.value() instanceof Long n && n >= 0 && n <= 65535) {
                return PortRange.of((int) (long) n);
            }
            if (v instanceof NftExpr.Range r && r.low() instanceof NftExpr.Value lo && lo.value() instanceof Long a
                    && r.high() instanceof NftExpr.Value hi && hi.value() instanceof Long b && a <= b && b <= 65535) {
                return new PortRange((int) (long) a, (int) (long) b);
            }
        } catch (RuntimeException e) {
            // not a port
        }
        return null;
    }

    private OfRule finish(List<Cidr> src, List<PortRange> sp, List<PortRange> dp) {
        src.removeIf(c -> c.family() != outside.first().family() || !outside.intersects(Interval.of(c)));
        OfRule o = new OfRule(List.copyOf(src), List.copyOf(sp), List.copyOf(dp), null);
        return o.empty() ? OfRule.NONE : o;
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
