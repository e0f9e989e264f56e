package io.cnifix.engine;

import io.cnifix.model.Chain;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.model.Target;

import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows a packet through the netfilter hooks as the kernel does: raw, mangle and nat PREROUTING, the routing
 * decision, then FORWARD and POSTROUTING or INPUT. A rule it cannot decide is explored both ways; the verdict
 * stands when every way agrees and is UNKNOWN otherwise.
 */
public final class Simulator {
    /** More undecidable rules than this on one path and the verdict is UNKNOWN without further search. */
    private static final int MAX_BRANCHES = 256;
    private static final int MAX_STEPS = 1_000_000;
    /** NF_IP_PRI_NAT_DST: where PREROUTING's NAT hook runs, undoing a reply's SNAT among other things. */
    private static final int NAT_DST_PRIORITY = -100;

    private final Ruleset rules;
    private final Pipeline pipeline;
    private final Map<Chain, ChainIndex> indexes = java.util.Collections.synchronizedMap(new IdentityHashMap<>());
    private final MatchEvaluator matcher;
    private final NftEvaluator nftMatcher;
    private final HostNet net;
    /**
     * Each native nftables rule as traces list it (table "inet firewalld", chain, position, handle as line), by its
     * chain, made when a trace first meets it: a netavark host has 40,000 rules, a diff meets a fraction of them,
     * and writing each one's text up front was a tenth of such a diff. Several threads may meet a rule at once:
     * the first stand-in stored is the one every trace uses.
     */
    private final Map<NftChain, StandIns> standIns = new IdentityHashMap<>();
    /** The same by table label and chain name, to find a stand-in's rule. */
    private final Map<String, Map<String, List<StandIns>>> standInsByName = new HashMap<>();
    private final Map<NftChain, NftChainIndex> nftIndexes = new IdentityHashMap<>();
    /** Each table's chains by name (the first of a name, as NftTable.chain finds it): where jumps and gotos go. */
    private final Map<NftTable, Map<String, NftChain>> chainsByName = new IdentityHashMap<>();

    public Simulator(Ruleset rules, HostNet net) {
        this(rules, List.of(), net);
    }

    /** {@code nft}: the host's nftables tables; iptables-nft's own among them are left to {@code rules}. */
    public Simulator(Ruleset rules, List<NftTable> nft, HostNet net) {
        this.rules = rules;
        this.net = net;
        this.matcher = new MatchEvaluator(net);
        this.nftMatcher = new NftEvaluator(net);
        this.pipeline = new Pipeline(rules, nft);
        for (Hook h : Hook.values()) {
            orderKeys(h, pipeline.of(h), false);
        }
        for (NftTable t : nft) {
            Map<String, NftChain> byName = new HashMap<>();
            for (NftChain c : t.chains()) {
                byName.putIfAbsent(c.name(), c);
            }
            chainsByName.put(t, byName);
            for (NftChain c : t.chains()) {
                if (c.rules().size() >= NftChainIndex.MIN_RULES) {
                    nftIndexes.put(c, new NftChainIndex(c));
                }
                StandIns si = new StandIns(t, c);
                standIns.put(c, si);
                standInsByName.computeIfAbsent(si.label, k -> new HashMap<>()).computeIfAbsent(c.name(), k -> new ArrayList<>(1)).add(si);
            }
        }
    }

    /** One chain's stand-ins by position, each made once. */
    private static final class StandIns {
        final NftTable table;
        final NftChain chain;
        /** The table's label, made once: every stand-in and every decision of the chain names it. */
        final String label;
        final java.util.concurrent.atomic.AtomicReferenceArray<Rule> made;

        StandIns(NftTable table, NftChain chain) {
            this.table = table;
            this.chain = chain;
            this.label = table.label();
            this.made = new java.util.concurrent.atomic.AtomicReferenceArray<>(chain.rules().size());
        }

        Rule at(int i) {
            Rule r = made.get(i);
            if (r != null) {
                return r;
            }
            NftRule n = chain.rules().get(i);
            // its text is written only if something shows it: most stand-ins are met, few decide
            Rule fresh = new Rule(label, chain.name(), i + 1, table.source(), (int) Math.min(Integer.MAX_VALUE, n.handle()),
                    io.cnifix.model.TextSpan.later(n::text), List.of(), new Target.None());
            return made.compareAndSet(i, null, fresh) ? fresh : made.get(i);
        }
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    /** The native nftables rule a trace's stand-in rule is, or null for an iptables rule. */
    public NftRule nftRule(Rule standIn) {
        Map<String, List<StandIns>> ofTable = standIn == null ? null : standInsByName.get(standIn.table());
        List<StandIns> candidates = ofTable == null ? null : ofTable.get(standIn.chain());
        if (candidates == null) {
            return null;
        }
        int i = standIn.number() - 1;
        for (StandIns si : candidates) {
            if (i >= 0 && i < si.chain.rules().size() && si.made.get(i) == standIn) {
                return si.chain.rules().get(i);
            }
        }
        return null;
    }

    /** How much of the way a trace keeps: every step with its action, only the rules visited, or nothing. */
    public enum Detail { PATH, RULES, NONE }

    public Trace trace(Packet packet) {
        return trace(packet, Detail.PATH, null, false);
    }

    public Trace trace(Packet packet, Detail detail) {
        return trace(packet, detail, null, false);
    }

    /**
     * A reply packet (state ESTABLISHED, direction reply) of connection {@code c}: no nat chain sees it, and rules
     * on the connection (ct status dnat, --ctorigdstport, ct mark) see what c's first packet left. A null {@code c}
     * (the first packet left no entry) traces the answer as a packet of its own.
     */
    public Trace traceReply(Packet reply, Connection c, Detail detail) {
        return search(reply, c, detail, null, false);
    }

    /**
     * With a {@code scope}, long chains skip (and do not list) rules that no packet from the scope's sources to this
     * destination can match; with {@code onePort} also rules whose port test excludes this destination port. The
     * skipped rules can match no packet the caller speaks for, so their boundaries do not matter to it.
     */
    public Trace trace(Packet packet, Detail detail, SourceScope scope, boolean onePort) {
        return search(packet, null, detail, scope, onePort);
    }

    private Trace search(Packet packet, Connection conn, Detail detail, SourceScope scope, boolean onePort) {
        Deque<Map<Object, Boolean>> pending = new ArrayDeque<>();
        pending.add(new IdentityHashMap<>());
        Trace first = null;
        List<Object> forked = new ArrayList<>();
        boolean disagree = false;
        int branches = 0;
        while (!pending.isEmpty()) {
            Map<Object, Boolean> assumptions = pending.pollFirst();
            try {
                Trace t = new Run(packet, conn, assumptions, detail, scope, onePort).run();
                branches++;
                if (first == null) {
                    first = t;
                } else if (!sameOutcome(first, t)) {
                    disagree = true;
                }
                if (t.verdict() == Verdict.UNKNOWN) {
                    disagree = true;
                    for (Rule r : t.unknownRules()) {
                        if (!forked.contains(r)) {
                            forked.add(r);
                        }
                    }
                }
            } catch (Fork f) {
                forked.add(f.key);
                if (branches + pending.size() >= MAX_BRANCHES) {
                    disagree = true;
                    break;
                }
                Map<Object, Boolean> no = new IdentityHashMap<>(assumptions);
                no.put(f.key, false);
                Map<Object, Boolean> yes = new IdentityHashMap<>(assumptions);
                yes.put(f.key, true);
                pending.addFirst(yes);
                pending.addFirst(no);
            }
            if (disagree) {
                break;
            }
        }
        List<Rule> unknownRules = new ArrayList<>();
        OrderKey order = null;
        for (Object o : forked) {
            if (o instanceof Rule r) {
                unknownRules.add(r);
            } else if (o instanceof OrderKey k && order == null) {
                order = k;
            }
        }
        if (first == null) {
            return new Trace(Verdict.UNKNOWN, "none", null, null, null, null, List.of(), List.of(), unknownRules);
        }
        if (disagree) {
            Decider d = unknownRules.isEmpty() && order != null
                    ? new Decider.ByOrder(order.hook().name().toLowerCase(java.util.Locale.ROOT), order.priority(), order.chains())
                    : first.decidedBy();
            return new Trace(Verdict.UNKNOWN, first.delivery(), first.dnatAddress(), first.dnatPort(),
                    first.outInterface(), d, first.path(), first.visited(), unknownRules, first.chains(), null);
        }
        return new Trace(first.verdict(), first.delivery(), first.dnatAddress(), first.dnatPort(), first.outInterface(),
                first.decidedBy(), first.path(), first.visited(), unknownRules, first.chains(), first.connection());
    }

    /**
     * The assumption that decides the order of base chains of equal priority: true runs them in reverse.
     * {@code free}: at most one of them has a rule or a drop policy, so no order can change what they do (an empty
     * iptables nat chain beside netavark's or firewalld's table, on every packet of such a host).
     */
    private record OrderKey(Hook hook, int priority, boolean nat, String chains, boolean free) {
    }

    /** A base chain with no rule and an accept policy: it neither changes a packet nor stops it. */
    private static boolean inert(Pipeline.Stage s) {
        if (s instanceof Pipeline.IptStage ipt) {
            return ipt.chain().rules().isEmpty() && !"DROP".equals(ipt.chain().policy());
        }
        return s instanceof Pipeline.NftStage nft && nft.chain().rules().isEmpty() && !nft.chain().base().dropPolicy();
    }

    private ChainIndex indexOf(Chain c) {
        ChainIndex i = indexes.get(c);
        if (i == null) {
            i = new ChainIndex(c);
            ChainIndex raced = indexes.putIfAbsent(c, i);
            i = raced != null ? raced : i;
        }
        return i;
    }

    private static boolean sameOutcome(Trace a, Trace b) {
        return a.verdict() == b.verdict() && a.delivery().equals(b.delivery())
                && java.util.Objects.equals(a.dnatAddress(), b.dnatAddress())
                && java.util.Objects.equals(a.dnatPort(), b.dnatPort())
                && java.util.Objects.equals(a.outInterface(), b.outInterface());
    }

    /** Thrown when a branch meets an undecidable rule (or an order of equal priorities) it has no assumption for. */
    private static final class Fork extends RuntimeException {
        final transient Object key;

        Fork(Object key) {
            super(null, null, false, false);
            this.key = key;
        }
    }

    /**
     * The order key of each group of base chains of equal priority, by the group's first stage, worked out once: a
     * trace meets several such groups on a host with nft base chains beside iptables' tables, and every lookup
     * used to build a key list. Read-only once built, so traces on several threads share it.
     */
    private final Map<Pipeline.Stage, OrderKey> orderKeys = new IdentityHashMap<>();

    private void orderKeys(Hook h, List<Pipeline.Stage> list, boolean nat) {
        int i = 0;
        while (i < list.size()) {
            int j = i;
            while (j + 1 < list.size() && list.get(j + 1).priority() == list.get(i).priority()) {
                j++;
            }
            if (j > i) {
                List<Pipeline.Stage> group = list.subList(i, j + 1);
                long active = group.stream().filter(g -> !inert(g)).count();
                orderKeys.put(list.get(i), new OrderKey(h, list.get(i).priority(), nat,
                        String.join(", ", group.stream().map(Pipeline.Stage::label).toList()), active <= 1));
            }
            for (Pipeline.Stage s : list.subList(i, j + 1)) {
                if (s instanceof Pipeline.NatStage n) {
                    orderKeys(h, n.chains(), true);
                }
            }
            i = j + 1;
        }
    }

    /** The outcome of one table's traversal of one hook. */
    private record TableOutcome(Verdict verdict, Decider decider, Rule unknown) {
    }

    /** One branch: a deterministic walk under fixed assumptions about undecidable rules. */
    private final class Run {
        private final Flow flow;
        private final Map<Object, Boolean> assumptions;
        private final List<TraceStep> path;
        private final List<Rule> visited;
        private final List<Trace.ChainPass> chains;
        private final SourceScope scope;
        private final boolean onePort;
        private final boolean newConnection;
        private final Connection conn;
        /** The base chain being run, named only when a path step needs it: most traces of a diff record no path. */
        private Hook stageHook;
        private Pipeline.Stage stageNow;
        private int steps;
        private Decider accepted;

        Run(Packet p, Connection conn, Map<Object, Boolean> assumptions, Detail detail, SourceScope scope, boolean onePort) {
            this.flow = conn == null ? new Flow(p) : new Flow(p, conn);
            this.conn = conn;
            this.assumptions = assumptions;
            this.path = detail == Detail.PATH ? new ArrayList<>() : null;
            this.chains = detail == Detail.PATH ? new ArrayList<>() : null;
            this.visited = detail == Detail.RULES ? new ArrayList<>() : null;
            this.scope = scope;
            this.onePort = onePort;
            this.newConnection = conn == null && p.state().equals("NEW");
        }

        Trace run() {
            String refused = net.droppedOnReceipt(flow.source, flow.destination, flow.inInterface);
            if (refused != null) {
                return done(Verdict.DROP, "none", new Decider.ByRouting(refused));
            }
            // A reply too meets its conntrack entry only at the conntrack hook (-200): raw sees it without one
            // (state INVALID), and a NOTRACK there leaves it untracked, so no reverse NAT (checked in the kernel lab).
            Trace stop = hook(Hook.PREROUTING, "none");
            if (stop != null) {
                return stop;
            }
            flow.undoSourceNat();
            String martian = net.martian(flow.source, flow.destination, flow.inInterface);
            if (martian != null) {
                return done(Verdict.DROP, "none", new Decider.ByRouting(martian));
            }
            if (net.isLocal(flow.destination)) {
                flow.outInterface = null;
                stop = hook(Hook.INPUT, "local");
                return stop != null ? stop : done(Verdict.ACCEPT, "local", accepted);
            }
            HostNet.RouteEntry route = net.route(flow.destination);
            if (route == null && conn != null && conn.originalInInterface() != null) {
                // The client's address came in on that link; with no route known, the answer goes back there.
                route = new HostNet.RouteEntry(io.cnifix.model.Cidr.host(flow.destination), conn.originalInInterface(), "unicast", 0, 0);
            }
            if (route == null || route.device() == null) {
                String why = route == null ? "no route to " + flow.destination
                        : route.type() + " route " + route.destination() + " for " + flow.destination;
                return done(Verdict.DROP, "none", new Decider.ByRouting(why));
            }
            flow.outInterface = route.device();
            stop = hook(Hook.FORWARD, "forward");
            if (stop != null) {
                return stop;
            }
            Decider forwardDecision = accepted;
            stop = hook(Hook.POSTROUTING, "forward");
            return stop != null ? stop : done(Verdict.ACCEPT, "forward", forwardDecision);
        }

        /** Every stage of a hook in priority order; a group of equal priority may run in either order. */
        private Trace hook(Hook h, String delivery) {
            return stages(h, pipeline.of(h), delivery, false);
        }

        private Trace stages(Hook h, List<Pipeline.Stage> list, String delivery, boolean nat) {
            int i = 0;
            while (i < list.size()) {
                int j = i;
                while (j + 1 < list.size() && list.get(j + 1).priority() == list.get(i).priority()) {
                    j++;
                }
                if (nat && natBound(h)) {
                    return null;
                }
                if (h == Hook.PREROUTING && list.get(i).priority() > NAT_DST_PRIORITY) {
                    // A reply of a source-NATed connection is addressed to the client again from here on.
                    flow.undoSourceNat();
                }
                if (j == i) {
                    Trace stop = stage(h, list.get(i), delivery);
                    if (stop != null) {
                        return stop;
                    }
                } else {
                    Trace stop = group(h, list.subList(i, j + 1), delivery, nat);
                    if (stop != null) {
                        return stop;
                    }
                }
                i = j + 1;
            }
            return null;
        }

        /**
         * Base chains of equal priority: run in listed order, or reversed when the branch assumes so. A branch forks
         * only when the group did something whose order could matter (a verdict other than accept, a NAT, a mark).
         */
        private Trace group(Hook h, List<Pipeline.Stage> group, String delivery, boolean nat) {
            OrderKey key = orderKeys.get(group.get(0));
            if (key.free()) {
                return inOrder(h, group, delivery, nat);
            }
            Boolean reversed = assumptions.get(key);
            if (reversed != null) {
                return inOrder(h, reversed ? reverse(group) : group, delivery, nat);
            }
            // Each chain sets the hook before its rules read it: set here, the chains' recorded states compare alike.
            flow.hook = h;
            Flow.Saved start = flow.save();
            Decider acceptedBefore = accepted;
            List<Ran> ran = new ArrayList<>(group.size());
            Trace stop = inOrder(h, group, delivery, nat, start, ran, null);
            if (sensitive && !sameEitherWay(h, group, delivery, nat, start, acceptedBefore, stop, ran)) {
                throw new Fork(key);
            }
            return stop;
        }

        /**
         * One base chain of a group as the first order ran it: from what packet state, to what state and outcome.
         * The other order meets the same chain from the same state when the chains before it there changed
         * nothing (netavark's or firewalld's forward chain beside iptables' FORWARD accepts and marks nothing):
         * its outcome is then the one recorded, and is not worked out again.
         */
        private record Ran(Pipeline.Stage stage, Flow.Saved entry, Flow.Saved exit, Trace stop) {
        }

        /** Set by inOrder: whether the group did something whose order could matter (a verdict, a NAT, a mark). */
        private boolean sensitive;
        /** Above zero while the other order of a group runs to compare: it records no path, rules or chains. */
        private int quiet;

        private Trace inOrder(Hook h, List<Pipeline.Stage> order, String delivery, boolean nat) {
            return inOrder(h, order, delivery, nat, null, null, null);
        }

        /**
         * With {@code record}, adds each chain run to it ({@code start}: the state before the first); with
         * {@code replay}, takes a chain's outcome from it when the chain meets the state it was recorded from.
         */
        private Trace inOrder(Hook h, List<Pipeline.Stage> order, String delivery, boolean nat, Flow.Saved start,
                             List<Ran> record, List<Ran> replay) {
            boolean changed = false;
            Trace stop = null;
            Flow.Saved entry = start;
            for (Pipeline.Stage s : order) {
                if (nat && natBound(h)) {
                    changed = true;
                    break;
                }
                Ran known = replay == null ? null : replayed(s, replay);
                if (known != null) {
                    changed = true; // only the other order replays, and what it changed is compared by the caller
                    flow.restore(known.exit());
                    stop = known.stop();
                    if (stop != null) {
                        break;
                    }
                    continue;
                }
                long mark = flow.mark;
                long connMark = flow.connMark;
                IpAddress destination = flow.destination;
                int port = flow.destinationPort;
                boolean dnat = flow.destinationNatted;
                boolean snat = flow.sourceNatted;
                boolean untracked = flow.untracked;
                stop = stage(h, s, delivery);
                if (record != null) {
                    Flow.Saved exit = flow.save();
                    record.add(new Ran(s, entry, exit, stop));
                    entry = exit;
                }
                if (stop != null || mark != flow.mark || connMark != flow.connMark || destination.hi() != flow.destination.hi()
                        || destination.lo() != flow.destination.lo() || port != flow.destinationPort
                        || dnat != flow.destinationNatted || snat != flow.sourceNatted || untracked != flow.untracked) {
                    changed = true;
                }
                if (stop != null) {
                    break;
                }
            }
            sensitive = changed;
            return stop;
        }

        /** The recorded run of {@code s}, when the packet meets it now in the state it met it then. */
        private Ran replayed(Pipeline.Stage s, List<Ran> replay) {
            for (Ran r : replay) {
                if (r.stage() == s) {
                    return isNow(r.entry()) ? r : null;
                }
            }
            return null;
        }

        /** Whether the packet is in state {@code s} now (field by field: a record's equals is slow in C1 code). */
        private boolean isNow(Flow.Saved s) {
            Flow f = flow;
            return f.sourcePort == s.sourcePort() && f.destinationPort == s.destinationPort() && f.mark == s.mark()
                    && f.connMark == s.connMark() && f.hasConntrack == s.hasConntrack() && f.untracked == s.untracked()
                    && f.destinationNatted == s.destinationNatted() && f.sourceNatted == s.sourceNatted()
                    && f.hook == s.hook() && f.origSourcePort == s.origSourcePort()
                    && f.origDestinationPort == s.origDestinationPort() && f.reply == s.reply()
                    && f.natSourcePort == s.natSourcePort() && java.util.Objects.equals(f.source, s.source())
                    && java.util.Objects.equals(f.destination, s.destination())
                    && java.util.Objects.equals(f.inInterface, s.inInterface())
                    && java.util.Objects.equals(f.outInterface, s.outInterface())
                    && java.util.Objects.equals(f.origSource, s.origSource())
                    && java.util.Objects.equals(f.origDestination, s.origDestination())
                    && java.util.Objects.equals(f.natSource, s.natSource())
                    && f.recentEntries.equals(s.recentEntries());
        }

        private static List<Pipeline.Stage> reverse(List<Pipeline.Stage> group) {
            List<Pipeline.Stage> order = new ArrayList<>(group);
            java.util.Collections.reverse(order);
            return order;
        }

        /**
         * Runs the group's other order from the same start, recording nothing, and tells whether it ends alike: the
         * same packet state with no verdict, or the same final verdict. Then the rest of the walk is the same either
         * way and the branch need not fork on the order (forking re-ran the whole trace twice per such group, and a
         * netavark or firewalld host meets two or three of them per packet). Anything else (an unknown verdict, a
         * rule it would have to assume) forks as before.
         */
        private boolean sameEitherWay(Hook h, List<Pipeline.Stage> group, String delivery, boolean nat, Flow.Saved start,
                                      Decider acceptedBefore, Trace stop, List<Ran> ran) {
            if (stop != null && stop.verdict() == Verdict.UNKNOWN) {
                return false;
            }
            Flow.Saved end = flow.save();
            Decider acceptedAfter = accepted;
            Hook hookNow = stageHook;
            Pipeline.Stage now = stageNow;
            flow.restore(start);
            accepted = acceptedBefore;
            quiet++;
            boolean same;
            try {
                Trace other = inOrder(h, reverse(group), delivery, nat, null, null, ran);
                same = stop == null ? other == null && isNow(end)
                        : other != null && other.verdict() != Verdict.UNKNOWN && sameOutcome(stop, other);
            } catch (Fork f) {
                same = false;
            } finally {
                quiet--;
            }
            flow.restore(end);
            accepted = acceptedAfter;
            stageHook = hookNow;
            stageNow = now;
            sensitive = true;
            return same;
        }

        /** The NAT core stops at the first chain that binds the connection for this hook's kind of NAT. */
        private boolean natBound(Hook h) {
            return h == Hook.PREROUTING ? flow.destinationNatted : flow.sourceNatted;
        }

        private Trace stage(Hook h, Pipeline.Stage s, String delivery) {
            if (s instanceof Pipeline.ConntrackStage) {
                flow.hasConntrack = !flow.untracked && !flow.packet.state().equals("INVALID");
                return null;
            }
            if (s instanceof Pipeline.NatStage n) {
                if (h == Hook.PREROUTING) {
                    flow.undoSourceNat();
                }
                if (!newConnection || !flow.hasConntrack) {
                    return null;
                }
                return stages(h, n.chains(), delivery, true);
            }
            flow.hook = h;
            stageHook = h;
            stageNow = s;
            TableOutcome o;
            String policy;
            if (s instanceof Pipeline.IptStage ipt) {
                Table table = rules.table(ipt.table());
                o = traverse(table, ipt.chain());
                policy = ipt.chain().policy();
            } else {
                Pipeline.NftStage nft = (Pipeline.NftStage) s;
                o = traverseNft(nft);
                policy = nft.chain().base().policy();
            }
            if (chains != null && quiet == 0) {
                String table = s instanceof Pipeline.IptStage ipt ? (ipt.family() == io.cnifix.model.Family.V4 ? "ip " : "ip6 ") + ipt.table()
                        : ((Pipeline.NftStage) s).table().label();
                String chain = s instanceof Pipeline.IptStage ipt ? ipt.chain().name() : ((Pipeline.NftStage) s).chain().name();
                chains.add(new Trace.ChainPass(h.name().toLowerCase(java.util.Locale.ROOT), table, chain, s.priority(),
                        policy, o.verdict(), o.decider()));
            }
            if (o.verdict() == Verdict.ACCEPT) {
                boolean filterTable = s instanceof Pipeline.IptStage ipt ? ipt.table().equals("filter")
                        : o.decider() instanceof Decider.ByNftRule && !((Pipeline.NftStage) s).chain().base().type().equals("nat");
                if (filterTable || accepted == null) {
                    accepted = o.decider();
                }
                return null;
            }
            if (o.verdict() == Verdict.UNKNOWN) {
                return new Trace(Verdict.UNKNOWN, delivery, dnatAddress(), dnatPort(), flow.outInterface, o.decider(),
                        path == null ? List.of() : path, visited == null ? List.of() : visited, List.of(o.unknown()),
                        chains == null ? List.of() : chains, null);
            }
            return done(o.verdict(), "none", o.decider());
        }

        /** SNAT or MASQUERADE to {@code to} (null: cannot be told), the port kept as no port range is given. */
        private void sourceNat(io.cnifix.model.IpAddress to) {
            flow.sourceNatted = true;
            flow.natSource = flow.outInterface == null ? null : to;
            flow.natSourcePort = flow.sourcePort;
        }

        private Trace done(Verdict v, String delivery, Decider decider) {
            return new Trace(v, delivery, dnatAddress(), dnatPort(), v == Verdict.ACCEPT ? flow.outInterface : null,
                    decider, path == null ? List.of() : path, visited == null ? List.of() : visited, List.of(),
                    chains == null ? List.of() : chains, flow.hasConntrack ? new Connection(flow.origSource, flow.origDestination,
                    flow.origSourcePort, flow.origDestinationPort, flow.destinationNatted, flow.sourceNatted, flow.connMark,
                    flow.packet.inInterface(), flow.sourceNatted && !flow.reply ? flow.natSource : null,
                    flow.natSourcePort) : null);
        }

        private io.cnifix.model.IpAddress dnatAddress() {
            return flow.destinationNatted ? flow.destination : null;
        }

        private Integer dnatPort() {
            return flow.destinationNatted && flow.packet.hasPorts() ? flow.destinationPort : null;
        }

        private void step(Rule r, String matched, String action) {
            if (quiet > 0) {
                return;
            }
            if (path != null) {
                NftRule n = nftRule(r);
                String stage = stageNow == null ? null
                        : stageHook.name().toLowerCase(java.util.Locale.ROOT) + " " + stageNow.label() + " (priority " + stageNow.priority() + ")";
                path.add(new TraceStep(r, matched, action, stage, n == null ? -1 : n.handle()));
            } else if (visited != null) {
                visited.add(r);
            }
        }

        private TableOutcome traverse(Table table, Chain builtin) {
            Deque<Object[]> stack = new ArrayDeque<>();
            Chain chain = builtin;
            int index = 0;
            int[] only = candidates(chain);
            int at = 0;
            while (true) {
                if (++steps > MAX_STEPS) {
                    throw new IllegalStateException("more than " + MAX_STEPS + " rule evaluations: a loop in the ruleset?");
                }
                if (index >= chain.rules().size()) {
                    if (chain.builtin() || stack.isEmpty()) {
                        return policy(table.name(), builtin);
                    }
                    Object[] frame = stack.pop();
                    chain = (Chain) frame[0];
                    index = (Integer) frame[1];
                    only = candidates(chain);
                    at = 0;
                    continue;
                }
                if (only != null) {
                    while (at < only.length && only[at] < index) {
                        at++;
                    }
                    if (at >= only.length) {
                        index = chain.rules().size();
                        continue;
                    }
                    index = only[at];
                }
                Rule r = chain.rules().get(index);
                Tri m = matcher.rule(r, flow);
                String shown = m == Tri.TRUE ? "yes" : "no";
                if (m == Tri.UNKNOWN) {
                    Boolean assumed = assumptions.get((Object) r);
                    if (assumed == null) {
                        throw new Fork(r);
                    }
                    m = Tri.of(assumed);
                    shown = assumed ? "assumed yes" : "assumed no";
                }
                if (m == Tri.FALSE) {
                    step(r, shown, "next");
                    index++;
                    continue;
                }
                Target t = r.target();
                if (t instanceof Target.Accept) {
                    step(r, shown, "ACCEPT");
                    return new TableOutcome(Verdict.ACCEPT, new Decider.ByRule(r), null);
                }
                if (t instanceof Target.Drop) {
                    step(r, shown, "DROP");
                    return new TableOutcome(Verdict.DROP, new Decider.ByRule(r), null);
                }
                if (t instanceof Target.Reject) {
                    step(r, shown, "REJECT");
                    return new TableOutcome(Verdict.REJECT, new Decider.ByRule(r), null);
                }
                if (t instanceof Target.Return) {
                    if (chain.builtin() || stack.isEmpty()) {
                        step(r, shown, "RETURN to policy");
                        return policy(table.name(), builtin);
                    }
                    Object[] frame = stack.pop();
                    step(r, shown, "RETURN to " + ((Chain) frame[0]).name());
                    chain = (Chain) frame[0];
                    index = (Integer) frame[1];
                    only = candidates(chain);
                    at = 0;
                    continue;
                }
                if (t instanceof Target.Jump j) {
                    step(r, shown, "jump " + j.chain());
                    stack.push(new Object[] {chain, index + 1});
                    chain = table.chain(j.chain());
                    index = 0;
                    only = candidates(chain);
                    at = 0;
                    continue;
                }
                if (t instanceof Target.Goto g) {
                    step(r, shown, "goto " + g.chain());
                    chain = table.chain(g.chain());
                    index = 0;
                    only = candidates(chain);
                    at = 0;
                    continue;
                }
                if (t instanceof Target.Nat nat) {
                    TableOutcome o = nat(r, nat, shown);
                    if (o != null) {
                        return o;
                    }
                    index++;
                    continue;
                }
                if (t instanceof Target.Masquerade masq) {
                    step(r, shown, "MASQUERADE");
                    sourceNat(masq.args().isEmpty() ? net.masqueradeSource(flow.outInterface, flow.destination) : null);
                    return new TableOutcome(Verdict.ACCEPT, new Decider.ByRule(r), null);
                }
                if (t instanceof Target.SetMark sm) {
                    flow.mark = sm.apply(flow.mark);
                    step(r, shown, "mark 0x" + Long.toHexString(flow.mark));
                } else if (t instanceof Target.ConnMark cm) {
                    connMark(cm);
                    step(r, shown, "connmark 0x" + Long.toHexString(flow.connMark) + " mark 0x" + Long.toHexString(flow.mark));
                } else if (t instanceof Target.NoTrack) {
                    if (table.name().equals("raw")) {
                        flow.untracked = true;
                    }
                    step(r, shown, "NOTRACK");
                } else if (t instanceof Target.Unknown) {
                    step(r, shown, "unknown target");
                    return new TableOutcome(Verdict.UNKNOWN, new Decider.ByRule(r), r);
                } else {
                    step(r, shown, t instanceof Target.None ? "count" : "continue");
                }
                index++;
            }
        }

        /** Walks one native nftables base chain and what it jumps to. */
        private TableOutcome traverseNft(Pipeline.NftStage st) {
            NftTable table = st.table();
            // The words of each step only when a path is kept: most traces of a diff keep none, or only the rules.
            boolean say = quiet == 0 && path != null;
            Deque<Object[]> stack = new ArrayDeque<>();
            NftChain chain = st.chain();
            int index = 0;
            int[] only = null;
            int onlyPort = -1;
            // the chain's stand-ins and index, looked up again only when the walk moves to another chain
            NftChain met = null;
            StandIns standInsOfChain = null;
            NftChainIndex ix = null;
            rules:
            while (true) {
                if (++steps > MAX_STEPS) {
                    throw new IllegalStateException("more than " + MAX_STEPS + " rule evaluations: a loop in the ruleset?");
                }
                if (index >= chain.rules().size()) {
                    if (stack.isEmpty()) {
                        return nftPolicy(st);
                    }
                    Object[] frame = stack.pop();
                    chain = (NftChain) frame[0];
                    index = (Integer) frame[1];
                    continue;
                }
                if (chain != met) {
                    met = chain;
                    standInsOfChain = standIns.get(chain);
                    ix = onePort && scope != null ? nftIndexes.get(chain) : null;
                    only = null;
                }
                if (ix != null) {
                    if (only == null || onlyPort != flow.destinationPort) {
                        // once per chain entered (not per rule), again only if a rule changed the port
                        only = ix.candidates(flow.packet.protocol(), flow.packet.hasPorts(), flow.destinationPort);
                        onlyPort = flow.destinationPort;
                    }
                    int next = nextCandidate(only, index);
                    if (next >= chain.rules().size()) {
                        index = next;
                        continue;
                    }
                    index = next;
                }
                NftRule r = chain.rules().get(index);
                Rule standIn = standInsOfChain.at(index);
                String shown = "yes";
                NftStmt.Verdict verdict = null;
                List<String> did = say ? new ArrayList<>() : null;
                for (NftStmt stmt : r.statements()) {
                    if (stmt instanceof NftStmt.Match || stmt instanceof NftStmt.Limit) {
                        Tri m = stmt instanceof NftStmt.Match mt ? nftMatcher.match(mt, flow, table) : Tri.UNKNOWN;
                        if (m == Tri.UNKNOWN) {
                            Boolean assumed = assumptions.get((Object) standIn);
                            if (assumed == null) {
                                throw new Fork(standIn);
                            }
                            m = Tri.of(assumed);
                            shown = assumed ? "assumed yes" : "assumed no";
                        }
                        if (m == Tri.FALSE) {
                            step(standIn, shown.equals("yes") ? "no" : shown, "next");
                            index++;
                            continue rules;
                        }
                    } else if (stmt instanceof NftStmt.Passive || stmt instanceof NftStmt.NoTrack) {
                        if (stmt instanceof NftStmt.NoTrack && st.priority() < Pipeline.CONNTRACK) {
                            flow.untracked = true;
                            if (say) {
                                did.add("notrack");
                            }
                        }
                    } else if (stmt instanceof NftStmt.SetMark sm) {
                        Object v = nftMatcher.value(sm.value(), flow);
                        if (!(v instanceof Long value)) {
                            step(standIn, shown, "unknown mark");
                            return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                        }
                        if (sm.ct()) {
                            if (flow.hasConntrack) {
                                flow.connMark = value & 0xffffffffL;
                            }
                            if (say) {
                                did.add("ct mark 0x" + Long.toHexString(flow.connMark));
                            }
                        } else {
                            flow.mark = value & 0xffffffffL;
                            if (say) {
                                did.add("mark 0x" + Long.toHexString(flow.mark));
                            }
                        }
                    } else if (stmt instanceof NftStmt.Nat nat) {
                        String outcome = nftNat(nat, table);
                        if (outcome == null) {
                            step(standIn, shown, "nat that cannot be worked out");
                            return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                        }
                        if (outcome.isEmpty()) {
                            // The map holds nothing for this packet: the rule stops here, like a failed match.
                            step(standIn, shown, "next (no map entry)");
                            index++;
                            continue rules;
                        }
                        step(standIn, shown, outcome);
                        return new TableOutcome(Verdict.ACCEPT, nftDecider(st, r, standIn), null);
                    } else if (stmt instanceof NftStmt.Verdict v) {
                        verdict = v;
                        break;
                    } else if (stmt instanceof NftStmt.VMap vm) {
                        Object key = nftMatcher.value(vm.key(), flow);
                        if (key == NftEvaluator.ABSENT) {
                            step(standIn, "no", "next");
                            index++;
                            continue rules;
                        }
                        Object data = key == NftEvaluator.UNREADABLE ? NftEvaluator.UNREADABLE : nftMatcher.lookup(key, vm.map(), table);
                        if (data == null) {
                            step(standIn, "no", "next (no map entry)");
                            index++;
                            continue rules;
                        }
                        if (!(data instanceof NftExpr.VerdictData vd)) {
                            step(standIn, shown, "verdict map cnifix cannot read");
                            return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                        }
                        verdict = vd.verdict();
                        break;
                    } else {
                        step(standIn, shown, "unknown statement " + stmt);
                        return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                    }
                }
                String prefix = !say || did.isEmpty() ? "" : String.join(", ", did) + "; ";
                if (verdict == null) {
                    step(standIn, shown, say ? prefix + "next" : null);
                    index++;
                    continue;
                }
                switch (verdict.kind()) {
                    case "accept" -> {
                        step(standIn, shown, say ? prefix + "ACCEPT (ends this base chain)" : null);
                        return new TableOutcome(Verdict.ACCEPT, nftDecider(st, r, standIn), null);
                    }
                    case "drop" -> {
                        step(standIn, shown, say ? prefix + "DROP" : null);
                        return new TableOutcome(Verdict.DROP, nftDecider(st, r, standIn), null);
                    }
                    case "reject" -> {
                        step(standIn, shown, say ? prefix + "REJECT" : null);
                        return new TableOutcome(Verdict.REJECT, nftDecider(st, r, standIn), null);
                    }
                    case "continue" -> {
                        step(standIn, shown, say ? prefix + "continue" : null);
                        index++;
                    }
                    case "return" -> {
                        if (stack.isEmpty()) {
                            step(standIn, shown, say ? prefix + "return to policy" : null);
                            return nftPolicy(st);
                        }
                        Object[] frame = stack.pop();
                        step(standIn, shown, say ? prefix + "return to " + ((NftChain) frame[0]).name() : null);
                        chain = (NftChain) frame[0];
                        index = (Integer) frame[1];
                    }
                    case "jump", "goto" -> {
                        NftChain target = verdict.target() == null ? null : chainsByName.get(table).get(verdict.target());
                        if (target == null || stack.size() > 64) {
                            step(standIn, shown, say ? prefix + verdict.kind() + " to a chain not in the dump" : null);
                            return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                        }
                        step(standIn, shown, say ? prefix + verdict.kind() + " " + target.name() : null);
                        if (verdict.kind().equals("jump")) {
                            stack.push(new Object[] {chain, index + 1});
                        }
                        chain = target;
                        index = 0;
                    }
                    default -> {
                        step(standIn, shown, say ? prefix + verdict.kind() + " (decided in user space)" : null);
                        return new TableOutcome(Verdict.UNKNOWN, nftDecider(st, r, standIn), standIn);
                    }
                }
            }
        }

        /** The first rule at or after {@code index} that the index says this packet can match. */
        private int nextCandidate(int[] c, int index) {
            int at = java.util.Arrays.binarySearch(c, index);
            if (at < 0) {
                at = -at - 1;
            }
            return at < c.length ? c[at] : Integer.MAX_VALUE;
        }

        private Decider nftDecider(Pipeline.NftStage st, NftRule r, Rule standIn) {
            return new Decider.ByNftRule(standIns.get(st.chain()).label, st.chain().name(), st.priority(), r, standIn);
        }

        private TableOutcome nftPolicy(Pipeline.NftStage st) {
            String policy = st.chain().base().policy();
            return new TableOutcome(st.chain().base().dropPolicy() ? Verdict.DROP : Verdict.ACCEPT,
                    new Decider.ByNftPolicy(standIns.get(st.chain()).label, st.chain().name(), st.priority(), policy), null);
        }

        /**
         * Applies an nft NAT statement. Returns what it did, "" when a map lookup found no entry (the rule stops),
         * or null when the result cannot be told (address ranges, random ports, unreadable maps).
         */
        private String nftNat(NftStmt.Nat nat, NftTable table) {
            switch (nat.kind()) {
                case "masquerade", "snat" -> {
                    Object to = nat.port() != null || !nat.flags().isEmpty() ? null
                            : nat.kind().equals("masquerade") ? net.masqueradeSource(flow.outInterface, flow.destination)
                            : nat.address() == null ? null : natValue(nat.address(), table);
                    sourceNat(to instanceof io.cnifix.model.IpAddress a ? a : null);
                    return nat.kind().toUpperCase(java.util.Locale.ROOT);
                }
                case "redirect" -> {
                    Object port = nat.port() == null ? (long) flow.destinationPort : natValue(nat.port(), table);
                    if (port == null || port instanceof String s && s.isEmpty()) {
                        return port == null ? null : "";
                    }
                    if (!(port instanceof Long p) || !net.isLocal(flow.destination)) {
                        // The kernel picks the in interface's first address; not modelled unless already local.
                        return null;
                    }
                    int before = flow.destinationPort;
                    flow.destinationPort = flow.packet.hasPorts() ? (int) (long) p : flow.destinationPort;
                    flow.destinationNatted |= before != flow.destinationPort;
                    return "REDIRECT to port " + flow.destinationPort;
                }
                default -> {
                }
            }
            Object addr = nat.address() == null ? null : natValue(nat.address(), table);
            Object port = nat.port() == null ? null : natValue(nat.port(), table);
            if (addr instanceof String s && s.isEmpty() || port instanceof String p && p.isEmpty()) {
                return "";
            }
            if (addr instanceof List<?> both && both.size() == 2 && port == null) {
                addr = both.get(0);
                port = both.get(1);
            }
            if (nat.address() != null && !(addr instanceof IpAddress) || nat.port() != null && !(port instanceof Long)
                    || nat.flags().stream().anyMatch(f -> f.contains("random"))) {
                return null;
            }
            IpAddress before = flow.destination;
            int beforePort = flow.destinationPort;
            if (addr instanceof IpAddress a) {
                if (a.family() != flow.destination.family()) {
                    return null;
                }
                flow.destination = a;
            }
            if (port instanceof Long p && flow.packet.hasPorts()) {
                flow.destinationPort = (int) (long) p;
            }
            flow.destinationNatted |= !before.equals(flow.destination) || beforePort != flow.destinationPort;
            if (quiet > 0 || path == null) {
                return "DNAT"; // no path to word it for
            }
            return "DNAT to " + (flow.packet.hasPorts() ? flow.destination.withPort(flow.destinationPort) : flow.destination.toString());
        }

        /** An address or port of a NAT statement: a constant, a map lookup; "" for no map entry, null if unreadable. */
        private Object natValue(NftExpr e, NftTable table) {
            if (e instanceof NftExpr.MapLookup ml) {
                Object key = nftMatcher.value(ml.key(), flow);
                if (key == NftEvaluator.ABSENT) {
                    return "";
                }
                if (key == NftEvaluator.UNREADABLE) {
                    return null;
                }
                Object data = nftMatcher.lookup(key, ml.map(), table);
                if (data == null) {
                    return "";
                }
                return data == NftEvaluator.UNREADABLE ? null : natValue((NftExpr) data, table);
            }
            if (e instanceof NftExpr.Concat c && c.parts().size() == 2) {
                Object a = natValue(c.parts().get(0), table);
                Object p = natValue(c.parts().get(1), table);
                return a instanceof IpAddress && p instanceof Long ? List.of(a, p) : null;
            }
            if (e instanceof NftExpr.Value v) {
                if (v.value() instanceof Long n) {
                    return n;
                }
                try {
                    return IpAddress.parse(v.text());
                } catch (RuntimeException x) {
                    try {
                        return Long.parseLong(v.text());
                    } catch (NumberFormatException y) {
                        return null;
                    }
                }
            }
            return null;
        }

        /** The rules of a long chain worth testing for this packet, or null to test them all. */
        private int[] candidates(Chain chain) {
            if (scope == null || chain.rules().size() < ChainIndex.MIN_RULES) {
                return null;
            }
            return indexOf(chain).candidates(scope, flow.destination, onePort ? flow.destinationPort : -1);
        }

        private TableOutcome nat(Rule r, Target.Nat nat, String shown) {
            if (nat.destination()) {
                boolean addressRange = nat.firstAddress() != null && !nat.firstAddress().equals(nat.lastAddress());
                boolean randomPort = nat.ports() != null && nat.ports().first() != nat.ports().last()
                        && (nat.flags().contains("--random") || nat.flags().contains("--random-fully"));
                if (addressRange || randomPort) {
                    // The kernel picks the address by a hash of the source (find_best_ips_proto), the port at random:
                    // no single answer holds for a class of packets.
                    step(r, shown, "DNAT to " + (addressRange ? "one of an address range" : "a random port"));
                    return new TableOutcome(Verdict.UNKNOWN, new Decider.ByRule(r), r);
                }
                io.cnifix.model.IpAddress before = flow.destination;
                int beforePort = flow.destinationPort;
                if (nat.firstAddress() != null) {
                    flow.destination = nat.firstAddress();
                }
                if (flow.packet.hasPorts()) {
                    flow.destinationPort = natPort(nat, flow.destinationPort);
                }
                // nf_nat_setup_info sets IPS_DST_NAT (what --ctstate DNAT tests) only when the tuple changes.
                flow.destinationNatted |= !before.equals(flow.destination) || beforePort != flow.destinationPort;
                step(r, shown, "DNAT to " + (flow.packet.hasPorts() ? flow.destination.withPort(flow.destinationPort) : flow.destination.toString()));
            } else {
                boolean one = nat.firstAddress() != null && (nat.lastAddress() == null
                        || nat.lastAddress().equals(nat.firstAddress())) && nat.ports() == null && nat.flags().isEmpty();
                sourceNat(one ? nat.firstAddress() : null);
                step(r, shown, "SNAT");
            }
            return new TableOutcome(Verdict.ACCEPT, new Decider.ByRule(r), null);
        }

        /**
         * The port a new connection's DNAT picks, as nf_nat_core's get_unique_tuple does for the first connection of
         * its tuple: with a /base offset, {@code first + ((port - base) mod 65536) mod size}; otherwise the original
         * port when the range holds it, else the range's first port.
         */
        private int natPort(Target.Nat nat, int original) {
            PortRange ports = nat.ports();
            if (ports == null) {
                return original;
            }
            int size = ports.last() - ports.first() + 1;
            if (nat.basePort() != null) {
                return ports.first() + ((original - nat.basePort()) & 0xffff) % size;
            }
            return ports.contains(original) ? original : ports.first();
        }

        private void connMark(Target.ConnMark cm) {
            if (!flow.hasConntrack) {
                return;
            }
            switch (cm.kind()) {
                case SET -> flow.connMark = ((flow.connMark & ~cm.mask()) ^ cm.value()) & 0xffffffffL;
                case SAVE -> flow.connMark = ((flow.connMark & ~cm.ctMask()) ^ (flow.mark & cm.nfMask())) & 0xffffffffL;
                case RESTORE -> flow.mark = ((flow.mark & ~cm.nfMask()) ^ (flow.connMark & cm.ctMask())) & 0xffffffffL;
            }
        }

        private TableOutcome policy(String table, Chain builtin) {
            Verdict v = "DROP".equals(builtin.policy()) ? Verdict.DROP : Verdict.ACCEPT;
            return new TableOutcome(v, new Decider.ByPolicy(table, builtin.name(), builtin.policy()), null);
        }
    }
}
