package io.cnifix.engine.compare;

import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Covers every packet of a starting set of boxes with regions of equal fate: traces one representative per box
 * and splits the box wherever a rule on that packet's path draws a boundary through it, until no rule does.
 */
public final class Explorer {
    /** A safety net against pathological rulesets; hitting it makes the result UNKNOWN rather than wrong. */
    static final int MAX_TRACES = 20_000;

    private final Simulator simulator;
    private final Splits splits;
    private final Splits replySplits;
    private final int protocol;
    int traces;

    Explorer(Simulator simulator, Splits splits, int protocol) {
        this(simulator, splits, null, protocol);
    }

    /**
     * With {@code replySplits}, every forwarded first packet's reply (the container's answer, ESTABLISHED, from the
     * bridge back to the client) is traced too, and boxes are split where the reply's rules draw a line.
     */
    Explorer(Simulator simulator, Splits splits, Splits replySplits, int protocol) {
        this.simulator = simulator;
        this.splits = splits;
        this.replySplits = replySplits;
        this.protocol = protocol;
    }

    /** Returns null when the search was cut short. */
    List<Region> explore(List<Box> start) {
        Deque<Box> todo = new ArrayDeque<>(start);
        List<Region> out = new ArrayList<>();
        while (!todo.isEmpty()) {
            if (++traces > MAX_TRACES) {
                return null;
            }
            Box b = todo.pop();
            Packet p = Packet.newConnection(b.inInterface(), b.sources().first(), b.destination(), protocol,
                    b.sourcePorts().first(), b.destinationPorts().first());
            boolean onePort = b.destinationPorts().first() == b.destinationPorts().last();
            Trace t = simulator.trace(p, Simulator.Detail.RULES, b.sources(), onePort);
            List<Box> pieces = splitReversePath(b, splits);
            if (pieces == null) {
                pieces = split(b, t.visited(), splits);
            }
            Trace reply = null;
            if (pieces == null && replySplits != null && t.verdict() == io.cnifix.engine.Verdict.ACCEPT
                    && "forward".equals(t.delivery())) {
                reply = simulator.traceReply(replyOf(p, t), connectionOf(p, t), Simulator.Detail.RULES);
                pieces = split(b, reply.visited(), replySplits);
            }
            if (pieces == null) {
                out.add(new Region(b, t, reply));
            } else {
                for (int i = pieces.size() - 1; i >= 0; i--) {
                    todo.push(pieces.get(i));
                }
            }
        }
        return out;
    }

    /**
     * The container's answer to {@code p}: from where the first packet went, back to the client. When the first
     * packet left no conntrack entry (NOTRACK), the answer is a packet of its own: NEW for UDP, INVALID for a
     * TCP SYN-ACK (conntrack starts no connection with one), and NAT rules may take it anywhere (kernel lab).
     */
    public static Packet replyOf(Packet p, Trace t) {
        IpAddress from = t.dnatAddress() != null ? t.dnatAddress() : p.destination();
        int fromPort = t.dnatPort() != null ? t.dnatPort() : p.destinationPort();
        String state = t.connection() != null ? "ESTABLISHED" : p.protocol() == 6 ? "INVALID" : "NEW";
        return new Packet(t.outInterface(), from, p.source(), p.protocol(), fromPort, p.sourcePort(), state, 0);
    }

    /**
     * The conntrack entry {@code p}'s first packet left, as its reply sees it, or null when it left none (public for
     * the kernel differentials).
     */
    public static io.cnifix.engine.Connection connectionOf(Packet p, Trace t) {
        return t.connection();
    }

    /** The rp_filter sysctl judges every first packet by its route back: cut the sources where that route changes. */
    private static List<Box> splitReversePath(Box b, Splits splits) {
        if (!b.sources().first().isV4()) {
            return null;
        }
        for (Cidr c : splits.reversePathCuts(b.inInterface())) {
            List<Box> pieces = cutSources(b, c.base());
            if (pieces == null && !c.last().equals(Cidr.all(c.family()).last())) {
                pieces = cutSources(b, c.last().plus(1));
            }
            if (pieces != null) {
                return pieces;
            }
        }
        return null;
    }

    /** Splits at the first boundary that cuts the box, or returns null when none does. */
    private List<Box> split(Box b, List<Rule> visited, Splits splits) {
        List<Interval> seenRun = null;
        for (Rule r : visited) {
            Splits.OfRule o = splits.of(r);
            if (o == Splits.OfRule.NONE) {
                continue;
            }
            if (o.run() != null && o.run() != seenRun) {
                // A run's members share one fate: cut the box only where the whole run's source set begins or ends.
                seenRun = o.run();
                SourceSet in = b.sources().within(o.run(), true);
                SourceSet out = in == null ? null : b.sources().within(o.run(), false);
                if (in != null && out != null) {
                    return List.of(new Box(in, b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()),
                            new Box(out, b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()));
                }
            }
            for (Cidr c : o.sources()) {
                List<Box> pieces = cutSources(b, c.base());
                if (pieces == null && !c.last().equals(Cidr.all(c.family()).last())) {
                    pieces = cutSources(b, c.last().plus(1));
                }
                if (pieces != null) {
                    return pieces;
                }
            }
            for (PortRange pr : o.sourcePorts()) {
                List<Box> pieces = cutPorts(b, b.sourcePorts(), pr, true);
                if (pieces != null) {
                    return pieces;
                }
            }
            for (PortRange pr : o.destinationPorts()) {
                List<Box> pieces = cutPorts(b, b.destinationPorts(), pr, false);
                if (pieces != null) {
                    return pieces;
                }
            }
        }
        return null;
    }

    private static List<Box> cutSources(Box b, IpAddress cut) {
        if (cut.compareTo(b.sources().first()) <= 0 || cut.compareTo(b.sources().last()) > 0) {
            return null;
        }
        SourceSet[] parts = b.sources().split(cut);
        if (parts[0] == null || parts[1] == null) {
            return null;
        }
        return List.of(new Box(parts[0], b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()),
                new Box(parts[1], b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()));
    }

    private static List<Box> cutPorts(Box b, PortRange range, PortRange rule, boolean source) {
        for (int cut : new int[] {rule.first(), rule.last() + 1}) {
            if (cut > range.first() && cut <= range.last()) {
                return List.of(with(b, new PortRange(range.first(), cut - 1), source), with(b, new PortRange(cut, range.last()), source));
            }
        }
        return null;
    }

    private static Box with(Box b, PortRange r, boolean source) {
        return source ? new Box(b.sources(), r, b.destinationPorts(), b.inInterface(), b.destination())
                : new Box(b.sources(), b.sourcePorts(), r, b.inInterface(), b.destination());
    }
}
