package io.cnifix.engine.compare;

import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Covers every packet of a starting set of boxes with regions of equal fate: traces one representative per box
 * and splits the box wherever a rule on that packet's path draws a boundary through it, until no rule does.
 */
final class Explorer {
    /** A safety net against pathological rulesets; hitting it makes the result UNKNOWN rather than wrong. */
    static final int MAX_TRACES = 20_000;

    private final Simulator simulator;
    private final int protocol;
    private final boolean direct;
    int traces;

    Explorer(Simulator simulator, int protocol, boolean direct) {
        this.simulator = simulator;
        this.protocol = protocol;
        this.direct = direct;
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
            Trace t = simulator.trace(p, true);
            Splits s = Splits.of(t.path(), direct);
            List<Box> pieces = split(b, s);
            if (pieces == null) {
                out.add(new Region(b, t));
            } else {
                for (int i = pieces.size() - 1; i >= 0; i--) {
                    todo.push(pieces.get(i));
                }
            }
        }
        return out;
    }

    private static List<Box> split(Box b, Splits s) {
        IpAddress cut = s.addresses.higher(b.sources().first());
        if (cut != null && cut.compareTo(b.sources().last()) <= 0) {
            List<Box> out = new ArrayList<>();
            IpAddress from = b.sources().first();
            for (IpAddress c : s.addresses.subSet(b.sources().first(), false, b.sources().last(), true)) {
                out.add(new Box(new Interval(from, c.plus(-1)), b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()));
                from = c;
            }
            out.add(new Box(new Interval(from, b.sources().last()), b.sourcePorts(), b.destinationPorts(), b.inInterface(), b.destination()));
            return out;
        }
        List<Box> bySport = splitPorts(b, b.sourcePorts(), s.sourcePorts, true);
        if (bySport != null) {
            return bySport;
        }
        return splitPorts(b, b.destinationPorts(), s.destinationPorts, false);
    }

    private static List<Box> splitPorts(Box b, PortRange range, java.util.TreeSet<Integer> cuts, boolean source) {
        var inside = cuts.subSet(range.first(), false, range.last(), true);
        if (inside.isEmpty()) {
            return null;
        }
        List<Box> out = new ArrayList<>();
        int from = range.first();
        for (int c : inside) {
            out.add(with(b, new PortRange(from, c - 1), source));
            from = c;
        }
        out.add(with(b, new PortRange(from, range.last()), source));
        return out;
    }

    private static Box with(Box b, PortRange r, boolean source) {
        return source ? new Box(b.sources(), r, b.destinationPorts(), b.inInterface(), b.destination())
                : new Box(b.sources(), b.sourcePorts(), r, b.inInterface(), b.destination());
    }
}
