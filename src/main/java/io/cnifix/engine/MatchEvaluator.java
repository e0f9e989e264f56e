package io.cnifix.engine;

import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.Rule;
import io.cnifix.model.Side;

import java.util.Locale;
import java.util.Map;

/** Decides each match of a rule against a flow, the way the kernel's match modules do. */
final class MatchEvaluator {
    private static final Map<String, Integer> ICMP_TYPES = Map.of("echo-reply", 0, "destination-unreachable", 3,
            "echo-request", 8, "time-exceeded", 11, "parameter-problem", 12);
    private static final Map<String, Integer> ICMP6_TYPES = Map.of("destination-unreachable", 1, "packet-too-big", 2,
            "time-exceeded", 3, "parameter-problem", 4, "echo-request", 128, "echo-reply", 129);

    private final HostNet net;

    MatchEvaluator(HostNet net) {
        this.net = net;
    }

    Tri rule(Rule r, Flow f) {
        Tri result = Tri.TRUE;
        for (Match m : r.matches()) {
            Tri t = match(m, f);
            if (t == Tri.FALSE) {
                return Tri.FALSE;
            }
            result = result.and(t);
        }
        return result;
    }

    Tri match(Match m, Flow f) {
        if (m instanceof Match.Address a) {
            IpAddress ip = a.side() == Side.SOURCE ? f.source : f.destination;
            return Tri.of(a.cidr().contains(ip) != a.negated());
        }
        if (m instanceof Match.Interface i) {
            return Tri.of(i.matches(i.side() == Side.SOURCE ? f.inInterface : f.outInterface));
        }
        if (m instanceof Match.Protocol p) {
            boolean hit = p.number() == 0 || p.number() == f.packet.protocol();
            return Tri.of(hit != p.negated());
        }
        if (m instanceof Match.Fragment fr) {
            return Tri.of(fr.negated());
        }
        if (m instanceof Match.Ports p) {
            return ports(p, f);
        }
        if (m instanceof Match.Multiport mp) {
            if (!f.packet.hasPorts()) {
                return Tri.FALSE;
            }
            boolean hit = mp.side() == null ? mp.contains(f.sourcePort) || mp.contains(f.destinationPort)
                    : mp.contains(mp.side() == Side.SOURCE ? f.sourcePort : f.destinationPort);
            return Tri.of(hit != mp.negated());
        }
        if (m instanceof Match.Conntrack ct) {
            return conntrack(ct, f);
        }
        if (m instanceof Match.State s) {
            boolean hit = false;
            for (String name : s.names()) {
                // xt_state has no SNAT/DNAT virtual states.
                hit |= !name.equals("SNAT") && !name.equals("DNAT") && f.stateIs(name);
            }
            return Tri.of(hit != s.negated());
        }
        if (m instanceof Match.AddrType at) {
            return addrType(at, f);
        }
        if (m instanceof Match.Comment) {
            return Tri.TRUE;
        }
        if (m instanceof Match.Mark mk) {
            if (mk.connection() && !f.hasConntrack) {
                return Tri.FALSE;
            }
            long v = mk.connection() ? f.connMark : f.mark;
            return Tri.of(((v & mk.mask()) == mk.value()) != mk.negated());
        }
        if (m instanceof Match.Icmp ic) {
            return icmp(ic, f);
        }
        if (m instanceof Match.IpRange r) {
            Tri t = Tri.TRUE;
            if (r.srcFrom() != null) {
                t = t.and(Tri.of(Match.IpRange.within(f.source, r.srcFrom(), r.srcTo()) != r.srcNegated()));
            }
            if (r.dstFrom() != null) {
                t = t.and(Tri.of(Match.IpRange.within(f.destination, r.dstFrom(), r.dstTo()) != r.dstNegated()));
            }
            return t;
        }
        if (m instanceof Match.ExtensionHeader) {
            // A TCP or UDP first packet (or an echo request) carries no extension header.
            return Tri.FALSE;
        }
        if (m instanceof Match.RpFilter rp) {
            return rpfilter(rp, f);
        }
        if (m instanceof Match.Stateful st) {
            return stateful(st, f);
        }
        if (m instanceof Match.SetMatch sm) {
            return set(sm, f);
        }
        return Tri.UNKNOWN;
    }

    /**
     * xt_rpfilter: a packet from loopback passes; otherwise the route back to its source (main table, as if sent
     * from the host) must be a unicast route through the interface it came in by (or any, with --loose), or, with
     * --accept-local, one of the host's own addresses on that interface. --validmark changes only which policy
     * routing rules apply; cnifix reads the main table alone, which is what a host without such rules uses.
     */
    private Tri rpfilter(Match.RpFilter rp, Flow f) {
        String in = f.inInterface;
        if (in == null) {
            // Only PREROUTING (raw and mangle) has an input interface for a forwarded or delivered packet here.
            return Tri.UNKNOWN;
        }
        if (in.equals("lo")) {
            return Tri.of(!rp.invert());
        }
        IpAddress src = f.source;
        boolean ok;
        if (src.isV4() && (src.lo() >>> 24) == 0) {
            long d = f.destination.lo();
            if (d == 0xffffffffL || (d >>> 8) == 0xe00000L) {
                return Tri.of(!rp.invert());
            }
        }
        if (!src.isV4() && src.hi() == 0 && src.lo() == 0) {
            return Tri.of(!rp.invert());
        }
        if (!src.isV4() && (src.hi() >>> 54) == (0xfe80L >>> 6)) {
            // Link-local sources are looked up on the interface itself: not modelled.
            return Tri.UNKNOWN;
        }
        String localDev = net.localInterface(src);
        if (localDev != null) {
            // IPv4 also wants the address on the incoming device (unless --loose); IPv6 takes any local route.
            ok = rp.acceptLocal() && (!src.isV4() || rp.loose() || localDev.equals(in));
        } else if (src.isV4() && net.addressType(src, null).equals("BROADCAST")) {
            ok = false;
        } else {
            HostNet.RouteEntry r = net.route(src);
            ok = r != null && r.device() != null && "unicast".equals(r.type()) && (rp.loose() || r.device().equals(in));
        }
        return Tri.of(ok != rp.invert());
    }

    /**
     * A first connection from a source with no history: limit and hashlimit buckets are full, connlimit counts this
     * connection alone, and a recent list holds only what this packet added on its way. With --assume-history,
     * all of these are unknown.
     */
    private Tri stateful(Match.Stateful st, Flow f) {
        Match.Recent r = st.recent();
        if (net.matchFacts().assumeHistory()) {
            // --set matches whatever the list held before.
            return r != null && r.kind().equals("set") ? Tri.of(!r.negated()) : Tri.UNKNOWN;
        }
        if (r == null) {
            return st.firstPacket() == null ? Tri.UNKNOWN : Tri.of(st.firstPacket());
        }
        if (r.ttl()) {
            // --rttl compares the TTL stored by --set, which differs by one across the forwarding hooks.
            return r.kind().equals("set") || r.kind().equals("remove") ? Tri.UNKNOWN
                    : f.recentEntries.isEmpty() ? Tri.of(r.negated()) : Tri.UNKNOWN;
        }
        IpAddress a = r.dest() ? f.destination : f.source;
        if (r.mask() != null && r.mask().family() == a.family()) {
            a = new IpAddress(a.family(), a.hi() & r.mask().hi(), a.lo() & r.mask().lo());
        }
        String key = r.name() + "|" + a;
        Integer stamps = f.recentEntries.get(key);
        boolean hit;
        switch (r.kind()) {
            case "set" -> {
                f.recentEntries.merge(key, 1, Integer::sum);
                hit = true;
            }
            case "remove" -> {
                hit = stamps != null;
                f.recentEntries.remove(key);
            }
            default -> {
                // Every stamp is from this very packet: within any --seconds, so --hitcount counts them all.
                hit = stamps != null && (r.hitCount() == 0 || stamps >= r.hitCount());
                if (hit != r.negated() && r.kind().equals("update") && stamps != null) {
                    f.recentEntries.put(key, stamps + 1);
                }
            }
        }
        return Tri.of(hit != r.negated());
    }

    private Tri set(Match.SetMatch sm, Flow f) {
        if (sm.counters()) {
            return Tri.UNKNOWN;
        }
        io.cnifix.model.IpSet s = net.sets().get(sm.name());
        if (s == null) {
            return Tri.UNKNOWN;
        }
        Boolean in = s.test(new io.cnifix.model.IpSet.Packet() {
            public IpAddress address(boolean source) {
                return source ? f.source : f.destination;
            }

            public int port(boolean source) {
                return source ? f.sourcePort : f.destinationPort;
            }

            public int protocol() {
                return f.packet.protocol();
            }
        }, sm.directions(), sm.returnNomatch(), net.sets(), false);
        return in == null ? Tri.UNKNOWN : Tri.of(in != sm.negated());
    }

    private Tri ports(Match.Ports p, Flow f) {
        int proto = switch (p.module()) {
            case "tcp" -> 6;
            case "udp" -> 17;
            default -> 132;
        };
        if (f.packet.protocol() != proto) {
            return Tri.FALSE;
        }
        for (Match.PortCondition c : p.conditions()) {
            boolean hit;
            boolean negated;
            if (c instanceof Match.PortIs pi) {
                hit = pi.range().contains(pi.side() == Side.SOURCE ? f.sourcePort : f.destinationPort);
                negated = pi.negated();
            } else if (c instanceof Match.PortNever pn) {
                hit = false;
                negated = pn.negated();
            } else {
                Match.TcpFlags tf = (Match.TcpFlags) c;
                // A reply is the container's first answer: for TCP a SYN-ACK (as NftEvaluator has it).
                int flags = f.reply ? 0x12 : f.packet.state().equals("NEW") ? 0x02 : 0x10;
                hit = (flags & tf.mask()) == tf.compare();
                negated = tf.negated();
            }
            if (hit == negated) {
                return Tri.FALSE;
            }
        }
        return Tri.TRUE;
    }

    private Tri conntrack(Match.Conntrack ct, Flow f) {
        boolean hasState = false;
        for (Match.CtCondition c : ct.conditions()) {
            if (c instanceof Match.CtStates s && !s.status()) {
                hasState = true;
                boolean hit = false;
                for (String name : s.names()) {
                    hit |= f.stateIs(name);
                }
                if (hit == s.negated()) {
                    return Tri.FALSE;
                }
            }
        }
        if (!f.hasConntrack) {
            // The kernel stops here: without a conntrack entry only a state test can match.
            return Tri.of(hasState);
        }
        for (Match.CtCondition c : ct.conditions()) {
            boolean hit;
            boolean negated;
            if (c instanceof Match.CtStates s) {
                if (!s.status()) {
                    continue;
                }
                int mask = 0;
                for (String name : s.names()) {
                    mask |= switch (name) {
                        case "EXPECTED" -> 1;
                        case "SEEN_REPLY" -> 2;
                        case "ASSURED" -> 4;
                        case "CONFIRMED" -> 8;
                        default -> 0;
                    };
                }
                hit = (mask & f.statusBits()) != 0;
                negated = s.negated();
            } else if (c instanceof Match.CtAddress a) {
                IpAddress ip = a.reply()
                        ? (a.side() == Side.SOURCE ? (f.reply ? f.source : f.destination) : f.origSource)
                        : (a.side() == Side.SOURCE ? f.origSource : f.origDestination);
                hit = a.cidr().contains(ip);
                negated = a.negated();
            } else if (c instanceof Match.CtPort p) {
                if (!f.packet.hasPorts()) {
                    return Tri.FALSE;
                }
                int port = p.reply()
                        ? (p.side() == Side.SOURCE ? (f.reply ? f.sourcePort : f.destinationPort) : f.origSourcePort)
                        : (p.side() == Side.SOURCE ? f.origSourcePort : f.origDestinationPort);
                hit = p.range().contains(port);
                negated = p.negated();
            } else if (c instanceof Match.CtProto p) {
                hit = p.number() == f.packet.protocol();
                negated = p.negated();
            } else {
                hit = ((Match.CtDirection) c).reply() == f.reply;
                negated = false;
            }
            if (hit == negated) {
                return Tri.FALSE;
            }
        }
        return Tri.TRUE;
    }

    private Tri addrType(Match.AddrType at, Flow f) {
        String dev = at.limitIfaceIn() ? f.inInterface : at.limitIfaceOut() ? f.outInterface : null;
        Tri result = Tri.TRUE;
        if (at.srcType() != null) {
            result = result.and(addrTypeOf(f.source, at.srcType(), dev).xor(at.srcNegated()));
        }
        if (at.dstType() != null) {
            result = result.and(addrTypeOf(f.destination, at.dstType(), dev).xor(at.dstNegated()));
        }
        return result;
    }

    /**
     * IPv4 (match_type): the address's one type is among those listed. IPv6 (match_type6) reads the list as a
     * mask that must all hold: MULTICAST and UNICAST and UNSPEC test the address's form, and if any of LOCAL,
     * ANYCAST, UNREACHABLE is listed, one of those must come out of the route lookup. So "LOCAL,UNICAST" is LOCAL
     * and a local address is UNICAST too.
     */
    private Tri addrTypeOf(IpAddress a, String types, String dev) {
        if (a.isV4()) {
            return Tri.of(typeIn(net.addressType(a, dev), types));
        }
        java.util.Set<String> mask = java.util.Set.of(types.split(","));
        boolean multicast = (a.hi() >>> 56) == 0xff;
        boolean any = a.hi() == 0 && a.lo() == 0;
        boolean mapped = a.hi() == 0 && (a.lo() >>> 32) == 0xffffL;
        if (mask.contains("MULTICAST") && !multicast || mask.contains("UNICAST") && (multicast || any || mapped)
                || mask.contains("UNSPEC") && !any) {
            return Tri.FALSE;
        }
        boolean routeTypes = mask.contains("ANYCAST") || mask.contains("UNREACHABLE");
        if (!routeTypes && !mask.contains("LOCAL")) {
            return Tri.TRUE;
        }
        java.util.Set<String> got = net.lookupTypes6(a, dev, routeTypes);
        if (got == null) {
            return Tri.UNKNOWN;
        }
        for (String t : got) {
            if (mask.contains(t)) {
                return Tri.TRUE;
            }
        }
        return Tri.FALSE;
    }

    private static boolean typeIn(String type, String list) {
        for (String t : list.split(",")) {
            if (t.equals(type)) {
                return true;
            }
        }
        return false;
    }

    private Tri icmp(Match.Icmp ic, Flow f) {
        int proto = ic.v6() ? 58 : 1;
        if (f.packet.protocol() != proto) {
            return Tri.FALSE;
        }
        String type = ic.type().toLowerCase(Locale.ROOT);
        if (type.equals("any")) {
            return Tri.of(!ic.negated());
        }
        int slash = type.indexOf('/');
        String head = slash < 0 ? type : type.substring(0, slash);
        Integer code = (ic.v6() ? ICMP6_TYPES : ICMP_TYPES).get(head);
        if (code == null) {
            try {
                code = Integer.parseInt(head);
            } catch (NumberFormatException e) {
                return Tri.UNKNOWN;
            }
        }
        // A trace's ICMP packet is an echo request, code 0.
        boolean hit = code == (ic.v6() ? 128 : 8) && (slash < 0 || type.substring(slash + 1).equals("0"));
        return Tri.of(hit != ic.negated());
    }
}
