package io.cnifix.engine.compare;

import io.cnifix.engine.TraceStep;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Side;

import java.util.List;
import java.util.TreeSet;

/**
 * The boundaries the rules on a packet's path draw across sources, source ports and destination ports. A box that
 * no boundary cuts is treated alike by every rule its representative met, so its representative speaks for all.
 */
final class Splits {
    final TreeSet<IpAddress> addresses = new TreeSet<>();
    final TreeSet<Integer> sourcePorts = new TreeSet<>();
    final TreeSet<Integer> destinationPorts = new TreeSet<>();

    /** {@code directDestination}: the packet's destination port is not rewritten, so ctorigdstport cuts it too. */
    static Splits of(List<TraceStep> path, boolean directDestination) {
        Splits s = new Splits();
        for (TraceStep step : path) {
            for (Match m : step.rule().matches()) {
                s.add(m, directDestination);
            }
        }
        return s;
    }

    private void add(Match m, boolean direct) {
        if (m instanceof Match.Address a && a.side() == Side.SOURCE) {
            cidr(a.cidr());
        } else if (m instanceof Match.Ports p) {
            for (Match.PortCondition c : p.conditions()) {
                if (c instanceof Match.PortIs pi) {
                    range(pi.side() == Side.SOURCE ? sourcePorts : destinationPorts, pi.range());
                }
            }
        } else if (m instanceof Match.Multiport mp) {
            for (PortRange r : mp.ports()) {
                if (mp.side() != Side.DESTINATION) {
                    range(sourcePorts, r);
                }
                if (mp.side() != Side.SOURCE) {
                    range(destinationPorts, r);
                }
            }
        } else if (m instanceof Match.Conntrack ct) {
            for (Match.CtCondition c : ct.conditions()) {
                if (c instanceof Match.CtAddress a && (a.reply() ? a.side() == Side.DESTINATION : a.side() == Side.SOURCE)) {
                    cidr(a.cidr());
                } else if (c instanceof Match.CtPort p) {
                    boolean source = p.reply() ? p.side() == Side.DESTINATION : p.side() == Side.SOURCE;
                    if (source) {
                        range(sourcePorts, p.range());
                    } else if (direct) {
                        range(destinationPorts, p.range());
                    }
                }
            }
        }
    }

    private void cidr(Cidr c) {
        addresses.add(c.base());
        IpAddress last = c.last();
        if (!last.equals(Cidr.all(last.family()).last())) {
            addresses.add(last.plus(1));
        }
    }

    private static void range(TreeSet<Integer> into, PortRange r) {
        into.add(r.first());
        if (r.last() < 65535) {
            into.add(r.last() + 1);
        }
    }
}
