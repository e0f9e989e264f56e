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

    /**
     * Every chain whose rules this view can be asked about, by table ("filter", or an nft table's label such as
     * "inet netavark", the table its stand-in rules name) and chain name. A rule's boundaries are worked out when a
     * trace first meets it: a diff meets a few thousand of a big host's 100,000 rules, and each of a family's four
     * views used to work out all of them up front.
     */
    private final Map<String, Map<String, Slot>> chains = new java.util.HashMap<>();
    /** Per nft constant, its prefixes that can hold an outside source (filled from several threads). */
    private final Map<NftExpr, List<Cidr>> outsideCidrs = new java.util.concurrent.ConcurrentHashMap<>();
    private final SourceSet outside;
    private final boolean direct;
    /** For replies: the client is the destination, its port the destination port. */
    private final boolean reply;
    /** Non-null: also the boundaries of matches that read the host (iprange, rpfilter, set). */
    private final io.cnifix.engine.HostNet net;
    /** Where the rp_filter sysctl's reverse-path lookup changes, for first packets (empty when it is off). */
    private final List<Cidr> reversePath;
    /** The native nftables rule a stand-in is (null for any other rule). */
    private final java.util.function.Function<Rule, NftRule> nft;

    /**
     * {@code direct}: the destination port is not rewritten, so --ctorigdstport cuts it as well. Lookups may come
     * from several threads: each chain's boundaries are filled in as its rules are met.
     */
    Splits(SourceSet outside, boolean direct, io.cnifix.model.Ruleset rules) {
        this(outside, direct, false, rules, r -> null, List.of(), null);
    }

    /**
     * {@code nft}: the native nftables rule a stand-in (as traces list them) is, {@code tables} the tables their
     * named sets live in; {@code reply}: boundaries for reply packets, whose destination is the client; {@code net}
     * non-null: also the boundaries of matches that read the host (iprange, rpfilter, set).
     */
    Splits(SourceSet outside, boolean direct, boolean reply, io.cnifix.model.Ruleset rules,
           java.util.function.Function<Rule, NftRule> nft, List<NftTable> tables, io.cnifix.engine.HostNet net) {
        this.outside = outside;
        this.direct = direct;
        this.reply = reply;
        this.net = net;
        this.nft = nft;
        this.reversePath = net == null || reply ? List.of() : net.reversePathCuts();
        for (var t : rules.tables().values()) {
            Map<String, Slot> byName = chains.computeIfAbsent(t.name(), k -> new java.util.HashMap<>());
            for (var c : t.chains().values()) {
                byName.put(c.name(), new Slot(c.rules(), null, null));
            }
        }
        for (NftTable t : tables) {
            Map<String, Slot> byName = chains.computeIfAbsent(t.label(), k -> new java.util.HashMap<>());
            for (var c : t.chains()) {
                byName.put(c.name(), new Slot(null, c.rules(), t));
            }
        }
    }

    /** One chain's rules and, once met, their boundaries by position. */
    private final class Slot {
        final List<Rule> rules;
        final List<NftRule> nftRules;
        final NftTable table;
        /** Null until the chain is first met; then each rule's boundaries, null until that rule is met. */
        private volatile OfRule[] done;
        /** A run's source set for each member of one (see runs), for iptables rules of first packets. */
        private List<Interval>[] runs;

        Slot(List<Rule> rules, List<NftRule> nftRules, NftTable table) {
            this.rules = rules;
            this.nftRules = nftRules;
            this.table = table;
        }

        int size() {
            return rules != null ? rules.size() : nftRules.size();
        }

        /** Whether {@code r} is this chain's rule at {@code i} (the very rule, or the stand-in of that nft rule). */
        boolean holds(int i, Rule r) {
            if (i < 0 || i >= size()) {
                return false;
            }
            return rules != null ? rules.get(i) == r : nft.apply(r) == nftRules.get(i);
        }

        OfRule of(int i, Rule r) {
            OfRule[] d = done;
            if (d == null) {
                d = open();
            }
            OfRule o = d[i];
            if (o == null) {
                // Worked out from immutable facts: two threads racing here store equal, immutable answers.
                o = rules != null ? (reply ? computeReply(r) : withRun(compute(r), runs == null ? null : runs[i]))
                        : computeNft(nftRules.get(i), table);
                d[i] = o;
            }
            return o;
        }

        private synchronized OfRule[] open() {
            if (done == null) {
                if (rules != null && !reply) {
                    runs = runs(rules); // runs are of source prefixes; a reply's client is its destination
                }
                done = new OfRule[size()];
            }
            return done;
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
        Map<String, Slot> byName = chains.get(r.table());
        Slot s = byName == null ? null : byName.get(r.chain());
        if (s == null) {
            return OfRule.NONE;
        }
        int i = r.number() - 1;
        if (!s.holds(i, r)) {
            i = -1;
            for (int k = 0; k < s.size() && i < 0; k++) {
                i = s.holds(k, r) ? k : -1;
            }
            if (i < 0) {
                return OfRule.NONE;
            }
        }
        return s.of(i, r);
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
    @SuppressWarnings("unchecked")
    private List<Interval>[] runs(List<Rule> rules) {
        List<Interval>[] out = null;
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
                out = out == null ? new List[rules.size()] : out;
                java.util.Arrays.fill(out, start, i, run);
            }
            start = i;
        }
        return out;
    }

    /** A run member's boundaries: its whole run's source set instead of its own prefix. */
    private static OfRule withRun(OfRule o, List<Interval> run) {
        return run == null ? o : new OfRule(List.of(), o.sourcePorts(), o.destinationPorts(), run);
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
