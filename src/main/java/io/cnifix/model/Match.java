package io.cnifix.model;

import java.util.List;
import java.util.Set;

/**
 * One condition of a rule, typed where the simulator understands it. Each knows how iptables-save writes it,
 * so a parsed ruleset can be written back and compared with its source.
 */
public sealed interface Match {

    void render(StringBuilder out);

    private static void neg(StringBuilder out, boolean negated) {
        if (negated) {
            out.append(" !");
        }
    }

    /** {@code -s} or {@code -d}. */
    record Address(Side side, Cidr cidr, boolean negated) implements Match {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(side == Side.SOURCE ? " -s " : " -d ").append(cidr);
        }
    }

    /** {@code -i} or {@code -o}; a name ending in '+' matches every interface with that prefix. */
    record Interface(Side side, String name, boolean negated) implements Match {
        public boolean matches(String iface) {
            if (iface == null || iface.isEmpty()) {
                // The kernel compares against an all-zero name when the hook has no such device.
                return negated;
            }
            boolean hit = name.endsWith("+")
                    ? iface.startsWith(name.substring(0, name.length() - 1))
                    : iface.equals(name);
            return hit != negated;
        }

        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(side == Side.SOURCE ? " -i " : " -o ").append(name);
        }
    }

    /** {@code -p}; number is the IANA protocol number, 0 for "all". */
    record Protocol(String name, int number, boolean negated) implements Match {
        // equals and hashCode explicit here and below: see IpAddress
        @Override
        public boolean equals(Object o) {
            return o instanceof Protocol p && p.number == number && p.negated == negated && p.name.equals(name);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 2 + (negated ? 1 : 0);
        }

        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" -p ").append(name);
        }
    }

    /** {@code -f}: non-first fragments. A connection's first packet is never one. */
    record Fragment(boolean negated) implements Match {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" -f");
        }
    }

    /** {@code -m tcp|udp|sctp} with its port and flag conditions, in the order written. */
    record Ports(String module, List<PortCondition> conditions) implements Match {
        public Ports {
            conditions = List.copyOf(conditions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ports p && p.module.equals(module) && p.conditions.equals(conditions);
        }

        @Override
        public int hashCode() {
            return module.hashCode() * 31 + conditions.hashCode();
        }

        public void render(StringBuilder out) {
            out.append(" -m ").append(module);
            for (PortCondition c : conditions) {
                c.render(out);
            }
        }
    }

    /** One condition inside {@link Ports}. */
    sealed interface PortCondition {
        void render(StringBuilder out);
    }

    record PortIs(Side side, PortRange range, boolean negated) implements PortCondition {
        @Override
        public boolean equals(Object o) {
            return o instanceof PortIs p && p.side == side && p.negated == negated && p.range.equals(range);
        }

        @Override
        public int hashCode() {
            return (range.hashCode() * 2 + side.ordinal()) * 2 + (negated ? 1 : 0);
        }

        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(side == Side.SOURCE ? " --sport " : " --dport ").append(range.render(':'));
        }
    }

    /**
     * A reversed range such as {@code --dport 60000:29}: older iptables saved it, the kernel holds it, and no port
     * lies in it, so it never matches (and, negated, always does).
     */
    record PortNever(Side side, int first, int last, boolean negated) implements PortCondition {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(side == Side.SOURCE ? " --sport " : " --dport ").append(first).append(':').append(last);
        }
    }

    /** {@code --tcp-flags mask comp}; flags as bits FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128. */
    record TcpFlags(int mask, int compare, String maskText, String compareText, boolean negated) implements PortCondition {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" --tcp-flags ").append(maskText).append(' ').append(compareText);
        }
    }

    /** {@code -m multiport}; side null means {@code --ports} (either port). */
    record Multiport(Side side, List<PortRange> ports, boolean negated) implements Match {
        public Multiport {
            ports = List.copyOf(ports);
        }

        public boolean contains(int port) {
            for (PortRange r : ports) {
                if (r.contains(port)) {
                    return true;
                }
            }
            return false;
        }

        public void render(StringBuilder out) {
            out.append(" -m multiport");
            neg(out, negated);
            out.append(side == null ? " --ports " : side == Side.SOURCE ? " --sports " : " --dports ");
            for (int i = 0; i < ports.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(ports.get(i).render(':'));
            }
        }
    }

    /** {@code -m conntrack} with its conditions in the order written. */
    record Conntrack(List<CtCondition> conditions) implements Match {
        public Conntrack {
            conditions = List.copyOf(conditions);
        }

        public void render(StringBuilder out) {
            out.append(" -m conntrack");
            for (CtCondition c : conditions) {
                c.render(out);
            }
        }
    }

    /** One condition inside {@link Conntrack}. */
    sealed interface CtCondition {
        void render(StringBuilder out);
    }

    /** {@code --ctstate} (names as written, upper case) or {@code --ctstatus}. */
    record CtStates(boolean status, Set<String> names, String text, boolean negated) implements CtCondition {
        public CtStates {
            names = Set.copyOf(names);
        }

        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(status ? " --ctstatus " : " --ctstate ").append(text);
        }
    }

    /** {@code --ctorigsrc/--ctorigdst/--ctreplsrc/--ctrepldst}. */
    record CtAddress(boolean reply, Side side, Cidr cidr, boolean negated) implements CtCondition {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" --ct").append(reply ? "repl" : "orig").append(side == Side.SOURCE ? "src " : "dst ").append(cidr);
        }
    }

    /** {@code --ctorigsrcport/--ctorigdstport/--ctreplsrcport/--ctrepldstport}. */
    record CtPort(boolean reply, Side side, PortRange range, boolean negated) implements CtCondition {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" --ct").append(reply ? "repl" : "orig").append(side == Side.SOURCE ? "srcport " : "dstport ")
                    .append(range.render(':'));
        }
    }

    /** {@code --ctproto}. */
    record CtProto(String name, int number, boolean negated) implements CtCondition {
        public void render(StringBuilder out) {
            neg(out, negated);
            out.append(" --ctproto ").append(name);
        }
    }

    /** {@code --ctdir ORIGINAL|REPLY}. */
    record CtDirection(boolean reply) implements CtCondition {
        public void render(StringBuilder out) {
            out.append(" --ctdir ").append(reply ? "REPLY" : "ORIGINAL");
        }
    }

    /** {@code -m state --state}. */
    record State(Set<String> names, String text, boolean negated) implements Match {
        public State {
            names = Set.copyOf(names);
        }

        public void render(StringBuilder out) {
            out.append(" -m state");
            neg(out, negated);
            out.append(" --state ").append(text);
        }
    }

    /** {@code -m addrtype}; a null type means that side is not tested. */
    record AddrType(String srcType, boolean srcNegated, String dstType, boolean dstNegated,
                    boolean limitIfaceIn, boolean limitIfaceOut) implements Match {
        public void render(StringBuilder out) {
            out.append(" -m addrtype");
            if (srcType != null) {
                neg(out, srcNegated);
                out.append(" --src-type ").append(srcType);
            }
            if (dstType != null) {
                neg(out, dstNegated);
                out.append(" --dst-type ").append(dstType);
            }
            if (limitIfaceIn) {
                out.append(" --limit-iface-in");
            }
            if (limitIfaceOut) {
                out.append(" --limit-iface-out");
            }
        }
    }

    /** {@code -m comment}: never affects a verdict. */
    record Comment(String text) implements Match {
        public void render(StringBuilder out) {
            out.append(" -m comment --comment ").append(SaveText.quote(text));
        }
    }

    /** {@code -m mark --mark} (packet mark) or {@code -m connmark --mark} (connection mark). */
    record Mark(boolean connection, long value, long mask, boolean negated) implements Match {
        public void render(StringBuilder out) {
            out.append(connection ? " -m connmark" : " -m mark");
            neg(out, negated);
            out.append(" --mark 0x").append(Long.toHexString(value));
            if (mask != 0xffffffffL) {
                out.append("/0x").append(Long.toHexString(mask));
            }
        }
    }

    /** {@code -m icmp --icmp-type} or {@code -m icmp6 --icmpv6-type}; type as written. */
    record Icmp(boolean v6, String type, boolean negated) implements Match {
        public void render(StringBuilder out) {
            out.append(v6 ? " -m icmp6" : " -m icmp");
            neg(out, negated);
            out.append(v6 ? " --icmpv6-type " : " --icmp-type ").append(type);
        }
    }

    private static void raw(StringBuilder out, String module, List<String> rawArgs) {
        out.append(" -m ").append(module);
        for (String a : rawArgs) {
            out.append(' ').append(a);
        }
    }

    /**
     * {@code -m rt}, {@code frag}, {@code hbh}, {@code dst}: tests of an IPv6 extension header. The kernel's match
     * fails when the packet has no such header, whatever the options; the first packets cnifix simulates have none.
     */
    record ExtensionHeader(String module, List<String> rawArgs) implements Match {
        public ExtensionHeader {
            rawArgs = List.copyOf(rawArgs);
        }

        public void render(StringBuilder out) {
            raw(out, module, rawArgs);
        }
    }

    /** {@code -m iprange}: inclusive address ranges; a null side is not tested. */
    record IpRange(IpAddress srcFrom, IpAddress srcTo, boolean srcNegated, IpAddress dstFrom, IpAddress dstTo,
                   boolean dstNegated) implements Match {
        public static boolean within(IpAddress a, IpAddress from, IpAddress to) {
            return a.family() == from.family() && a.compareTo(from) >= 0 && a.compareTo(to) <= 0;
        }

        public void render(StringBuilder out) {
            out.append(" -m iprange");
            if (srcFrom != null) {
                neg(out, srcNegated);
                out.append(" --src-range ").append(srcFrom).append('-').append(srcTo);
            }
            if (dstFrom != null) {
                neg(out, dstNegated);
                out.append(" --dst-range ").append(dstFrom).append('-').append(dstTo);
            }
        }
    }

    /** {@code -m rpfilter}: the reverse-path test against the host's routes. */
    record RpFilter(boolean loose, boolean validMark, boolean acceptLocal, boolean invert, List<String> rawArgs)
            implements Match {
        public RpFilter {
            rawArgs = List.copyOf(rawArgs);
        }

        public void render(StringBuilder out) {
            raw(out, "rpfilter", rawArgs);
        }
    }

    /**
     * A match that remembers earlier packets: {@code recent}, {@code limit}, {@code hashlimit}, {@code connlimit}.
     * cnifix judges the first packet of a new connection from a source with no history, and says so.
     * {@code firstPacket} is what such a packet gets, or null when even that depends on history (a recent list this
     * very packet may have been added to on its way: see {@code recent}).
     */
    record Stateful(String module, Boolean firstPacket, Recent recent, List<String> rawArgs) implements Match {
        public Stateful {
            rawArgs = List.copyOf(rawArgs);
        }

        public void render(StringBuilder out) {
            raw(out, module, rawArgs);
        }
    }

    /** What one {@code -m recent} does: kind is set, rcheck, update or remove. */
    record Recent(String name, String kind, boolean dest, int seconds, int hitCount, boolean ttl, IpAddress mask,
                  boolean negated) {
    }

    /**
     * {@code -m set --match-set NAME src,dst}: {@code directions} has one entry per dimension, true for source.
     * {@code counters} true when the rule tests packet or byte counters, which cnifix cannot know.
     */
    record SetMatch(String name, List<Boolean> directions, boolean negated, boolean returnNomatch, boolean counters,
                    List<String> rawArgs) implements Match {
        public SetMatch {
            directions = List.copyOf(directions);
            rawArgs = List.copyOf(rawArgs);
        }

        public void render(StringBuilder out) {
            raw(out, "set", rawArgs);
        }
    }

    /** Anything else, kept verbatim (tokens as written) so nothing is lost; the simulator explores both ways. */
    record Unknown(String module, List<String> rawArgs) implements Match {
        public Unknown {
            rawArgs = List.copyOf(rawArgs);
        }

        public void render(StringBuilder out) {
            out.append(" -m ").append(module);
            for (String a : rawArgs) {
                out.append(' ').append(a);
            }
        }
    }
}
