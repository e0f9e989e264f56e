package io.cnifix.engine;

import io.cnifix.model.Chain;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.model.Target;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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

    private final Ruleset rules;
    private final Map<Chain, ChainIndex> indexes = java.util.Collections.synchronizedMap(new IdentityHashMap<>());
    private final MatchEvaluator matcher;
    private final HostNet net;

    public Simulator(Ruleset rules, HostNet net) {
        this.rules = rules;
        this.net = net;
        this.matcher = new MatchEvaluator(net);
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
     * With a {@code scope}, long chains skip (and do not list) rules that no packet from the scope's sources to this
     * destination can match; with {@code onePort} also rules whose port test excludes this destination port. The
     * skipped rules can match no packet the caller speaks for, so their boundaries do not matter to it.
     */
    public Trace trace(Packet packet, Detail detail, SourceScope scope, boolean onePort) {
        Deque<Map<Rule, Boolean>> pending = new ArrayDeque<>();
        pending.add(new IdentityHashMap<>());
        Trace first = null;
        List<Rule> forked = new ArrayList<>();
        boolean disagree = false;
        int branches = 0;
        while (!pending.isEmpty()) {
            Map<Rule, Boolean> assumptions = pending.pollFirst();
            try {
                Trace t = new Run(packet, assumptions, detail, scope, onePort).run();
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
                forked.add(f.rule);
                if (branches + pending.size() >= MAX_BRANCHES) {
                    disagree = true;
                    break;
                }
                Map<Rule, Boolean> no = new IdentityHashMap<>(assumptions);
                no.put(f.rule, false);
                Map<Rule, Boolean> yes = new IdentityHashMap<>(assumptions);
                yes.put(f.rule, true);
                pending.addFirst(yes);
                pending.addFirst(no);
            }
            if (disagree) {
                break;
            }
        }
        if (first == null) {
            return new Trace(Verdict.UNKNOWN, "none", null, null, null, null, List.of(), List.of(), forked);
        }
        if (disagree) {
            return new Trace(Verdict.UNKNOWN, first.delivery(), first.dnatAddress(), first.dnatPort(),
                    first.outInterface(), first.decidedBy(), first.path(), first.visited(), forked);
        }
        return new Trace(first.verdict(), first.delivery(), first.dnatAddress(), first.dnatPort(), first.outInterface(),
                first.decidedBy(), first.path(), first.visited(), forked);
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

    /** Thrown when a branch meets an undecidable rule it has no assumption for. */
    private static final class Fork extends RuntimeException {
        final transient Rule rule;

        Fork(Rule rule) {
            super(null, null, false, false);
            this.rule = rule;
        }
    }

    /** The outcome of one table's traversal of one hook. */
    private record TableOutcome(Verdict verdict, Decider decider, Rule unknown) {
    }

    /** One branch: a deterministic walk under fixed assumptions about undecidable rules. */
    private final class Run {
        private final Flow flow;
        private final Map<Rule, Boolean> assumptions;
        private final List<TraceStep> path;
        private final List<Rule> visited;
        private final SourceScope scope;
        private final boolean onePort;
        private int steps;
        private Decider accepted;

        Run(Packet p, Map<Rule, Boolean> assumptions, Detail detail, SourceScope scope, boolean onePort) {
            this.flow = new Flow(p);
            this.assumptions = assumptions;
            this.path = detail == Detail.PATH ? new ArrayList<>() : null;
            this.visited = detail == Detail.RULES ? new ArrayList<>() : null;
            this.scope = scope;
            this.onePort = onePort;
        }

        Trace run() {
            boolean newConnection = flow.packet.state().equals("NEW");
            String refused = net.droppedOnReceipt(flow.source, flow.destination, flow.inInterface);
            if (refused != null) {
                return done(Verdict.DROP, "none", new Decider.ByRouting(refused));
            }
            for (String table : Hook.PREROUTING.tables) {
                if (table.equals("mangle")) {
                    // Conntrack (priority -200) runs between raw (-300) and mangle (-150).
                    flow.hasConntrack = !flow.untracked && !flow.packet.state().equals("INVALID");
                }
                if (table.equals("nat") && (!newConnection || !flow.hasConntrack)) {
                    continue;
                }
                Trace stop = hook(Hook.PREROUTING, table, "none");
                if (stop != null) {
                    return stop;
                }
            }
            String martian = net.martian(flow.source, flow.destination, flow.inInterface);
            if (martian != null) {
                return done(Verdict.DROP, "none", new Decider.ByRouting(martian));
            }
            if (net.isLocal(flow.destination)) {
                flow.outInterface = null;
                Trace stop = hookAllTables(Hook.INPUT, "local", newConnection);
                return stop != null ? stop : done(Verdict.ACCEPT, "local", accepted);
            }
            HostNet.RouteEntry route = net.route(flow.destination);
            if (route == null || route.device() == null) {
                String why = route == null ? "no route to " + flow.destination
                        : route.type() + " route " + route.destination() + " for " + flow.destination;
                return done(Verdict.DROP, "none", new Decider.ByRouting(why));
            }
            flow.outInterface = route.device();
            Trace stop = hookAllTables(Hook.FORWARD, "forward", newConnection);
            if (stop != null) {
                return stop;
            }
            Decider forwardDecision = accepted;
            stop = hookAllTables(Hook.POSTROUTING, "forward", newConnection);
            return stop != null ? stop : done(Verdict.ACCEPT, "forward", forwardDecision);
        }

        /** Every table of a hook in priority order; nat only sees a connection's first, tracked packet. */
        private Trace hookAllTables(Hook h, String delivery, boolean newConnection) {
            for (String table : h.tables) {
                if (table.equals("nat") && (!newConnection || !flow.hasConntrack)) {
                    continue;
                }
                Trace stop = hook(h, table, delivery);
                if (stop != null) {
                    return stop;
                }
            }
            return null;
        }

        /** Traverses one table at one hook; returns a final trace when the packet's fate is sealed there. */
        private Trace hook(Hook hook, String tableName, String delivery) {
            Table table = rules.table(tableName);
            if (table == null || table.chain(hook.name()) == null) {
                return null;
            }
            flow.hook = hook;
            TableOutcome o = traverse(table, table.chain(hook.name()));
            if (o.verdict() == Verdict.ACCEPT) {
                if (tableName.equals("filter") || accepted == null) {
                    accepted = o.decider();
                }
                return null;
            }
            if (o.verdict() == Verdict.UNKNOWN) {
                return new Trace(Verdict.UNKNOWN, delivery, dnatAddress(), dnatPort(), flow.outInterface, o.decider(),
                        path == null ? List.of() : path, visited == null ? List.of() : visited, List.of(o.unknown()));
            }
            return done(o.verdict(), "none", o.decider());
        }

        private Trace done(Verdict v, String delivery, Decider decider) {
            return new Trace(v, delivery, dnatAddress(), dnatPort(), v == Verdict.ACCEPT ? flow.outInterface : null,
                    decider, path == null ? List.of() : path, visited == null ? List.of() : visited, List.of());
        }

        private io.cnifix.model.IpAddress dnatAddress() {
            return flow.destinationNatted ? flow.destination : null;
        }

        private Integer dnatPort() {
            return flow.destinationNatted && flow.packet.hasPorts() ? flow.destinationPort : null;
        }

        private void step(Rule r, String matched, String action) {
            if (path != null) {
                path.add(new TraceStep(r, matched, action));
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
                    Boolean assumed = assumptions.get(r);
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
                if (t instanceof Target.Masquerade) {
                    step(r, shown, "MASQUERADE");
                    flow.sourceNatted = true;
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
                step(r, shown, "DNAT to " + flow.destination + (flow.packet.hasPorts() ? ":" + flow.destinationPort : ""));
            } else {
                flow.sourceNatted = true;
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
