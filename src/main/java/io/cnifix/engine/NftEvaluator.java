package io.cnifix.engine;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftSet;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides nftables match statements against a flow the way the kernel's expressions do: a payload, meta, ct or fib
 * expression that does not exist for this packet (a tcp port of a udp packet, the output interface before routing,
 * ct fields without a conntrack entry) makes the rule not match; a key it cannot read is UNKNOWN, never a guess.
 */
final class NftEvaluator {
    /** ct state bits as nf_conntrack_common.h numbers them (NF_CT_STATE_BIT and the untracked bit). */
    private static final Map<String, Long> CT_STATE = Map.of("invalid", 1L, "established", 2L, "related", 4L,
            "new", 8L, "untracked", 64L);
    /** ct status bits (enum ip_conntrack_status). */
    private static final Map<String, Long> CT_STATUS = Map.of("expected", 1L, "seen-reply", 2L, "assured", 4L,
            "confirmed", 8L, "snat", 16L, "dnat", 32L, "dying", 512L);
    private static final Map<String, Long> TCP_FLAGS = Map.of("fin", 1L, "syn", 2L, "rst", 4L, "psh", 8L, "ack", 16L,
            "urg", 32L, "ecn", 64L, "cwr", 128L);
    private static final Map<String, Long> SERVICES = Map.of("ssh", 22L, "domain", 53L, "http", 80L, "https", 443L,
            "dhcpv6-client", 546L, "bootps", 67L, "bootpc", 68L, "ntp", 123L, "smtp", 25L, "mdns", 5353L);

    /** The value of a key that does not exist for this packet: the expression breaks, the rule does not match. */
    static final Object ABSENT = new Object();
    /** A key this evaluator cannot read. */
    static final Object UNREADABLE = new Object();

    /** A bitmask value (ct state, ct status, tcp flags): "in" tests bits, "==" the whole mask. */
    record Flags(long bits, Map<String, Long> names) {
    }

    private final HostNet net;
    /**
     * Address and prefix constants of the rules, parsed once: a host with thousands of ports has thousands of rules
     * that compare against the same few constants, once per traced packet. Shared by the threads judging ports.
     */
    private final Map<NftExpr, Object> parsed = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Object NOT_AN_ADDRESS = new Object();

    NftEvaluator(HostNet net) {
        this.net = net;
    }

    Tri match(NftStmt.Match m, Flow f, NftTable t) {
        Object v = value(m.left(), f);
        if (v == ABSENT) {
            return Tri.FALSE;
        }
        if (v == UNREADABLE) {
            return Tri.UNKNOWN;
        }
        String op = m.op();
        if (v instanceof Flags fl && (op.equals("in") || op.equals("==") && isFlagList(m.right()))) {
            Long mask = mask(m.right(), fl.names());
            return mask == null ? Tri.UNKNOWN : Tri.of((fl.bits() & mask) != 0);
        }
        return switch (op) {
            case "==", "in" -> member(v, m.right(), t);
            case "!=" -> member(v, m.right(), t).not();
            case "<", ">", "<=", ">=" -> order(v, op, m.right());
            default -> Tri.UNKNOWN;
        };
    }

    private static boolean isFlagList(NftExpr e) {
        return e instanceof NftExpr.SetLiteral s && s.elements().size() > 1;
    }

    private static Long mask(NftExpr e, Map<String, Long> names) {
        if (e instanceof NftExpr.Value v) {
            if (v.value() instanceof Long l) {
                return l;
            }
            return names.get(v.text());
        }
        if (e instanceof NftExpr.SetLiteral s) {
            long m = 0;
            for (NftExpr x : s.elements()) {
                Long one = mask(x, names);
                if (one == null) {
                    return null;
                }
                m |= one;
            }
            return m;
        }
        return null;
    }

    /** The key's value for this packet: IpAddress, Long, String, Flags, a List (concatenation), ABSENT or UNREADABLE. */
    Object value(NftExpr e, Flow f) {
        if (e instanceof NftExpr.Payload p) {
            return payload(p, f);
        }
        if (e instanceof NftExpr.Meta m) {
            return meta(m.key(), f);
        }
        if (e instanceof NftExpr.Ct c) {
            return ct(c, f);
        }
        if (e instanceof NftExpr.Fib fib) {
            return fib(fib, f);
        }
        if (e instanceof NftExpr.Concat c) {
            List<Object> parts = new ArrayList<>();
            for (NftExpr x : c.parts()) {
                Object v = value(x, f);
                if (v == ABSENT || v == UNREADABLE) {
                    return v;
                }
                parts.add(v);
            }
            return parts;
        }
        if (e instanceof NftExpr.Binop b) {
            Object l = value(b.left(), f);
            if (l == ABSENT || l == UNREADABLE) {
                return l;
            }
            long left = l instanceof Flags fl ? fl.bits() : l instanceof Long n ? n : -1;
            if (!(l instanceof Long || l instanceof Flags) || !(b.right() instanceof NftExpr.Value rv) || !(rv.value() instanceof Long r)) {
                return UNREADABLE;
            }
            return switch (b.op()) {
                case "&" -> left & r;
                case "|" -> (left | r) & 0xffffffffL;
                case "^" -> (left ^ r) & 0xffffffffL;
                case "<<" -> (left << r) & 0xffffffffL;
                case ">>" -> left >>> r;
                default -> UNREADABLE;
            };
        }
        if (e instanceof NftExpr.Value v) {
            return v.value();
        }
        return UNREADABLE;
    }

    private Object payload(NftExpr.Payload p, Flow f) {
        Family fam = f.packet.family();
        switch (p.protocol()) {
            case "ip", "ip6" -> {
                if ((p.protocol().equals("ip") ? Family.V4 : Family.V6) != fam) {
                    return ABSENT;
                }
                return switch (p.field()) {
                    case "saddr" -> f.source;
                    case "daddr" -> f.destination;
                    case "protocol", "nexthdr" -> (long) f.packet.protocol();
                    default -> UNREADABLE;
                };
            }
            case "tcp", "udp", "sctp", "udplite", "dccp", "th" -> {
                int proto = switch (p.protocol()) {
                    case "tcp" -> 6;
                    case "udp" -> 17;
                    case "sctp" -> 132;
                    case "udplite" -> 136;
                    case "dccp" -> 33;
                    default -> -1;
                };
                if (proto >= 0 ? f.packet.protocol() != proto : !f.packet.hasPorts()) {
                    return ABSENT;
                }
                return switch (p.field()) {
                    case "sport" -> (long) f.sourcePort;
                    case "dport" -> (long) f.destinationPort;
                    case "flags" -> p.protocol().equals("tcp")
                            ? new Flags(f.reply ? 0x12 : f.packet.state().equals("NEW") ? 0x02 : 0x10, TCP_FLAGS) : UNREADABLE;
                    default -> UNREADABLE;
                };
            }
            case "icmp", "icmpv6" -> {
                if (f.packet.protocol() != (p.protocol().equals("icmp") ? 1 : 58)) {
                    return ABSENT;
                }
                return UNREADABLE;
            }
            default -> {
                return UNREADABLE;
            }
        }
    }

    private Object meta(String key, Flow f) {
        return switch (key) {
            case "iifname", "iif" -> f.inInterface == null ? ABSENT : f.inInterface;
            case "oifname", "oif" -> f.outInterface == null || f.hook == Hook.PREROUTING || f.hook == Hook.INPUT ? ABSENT : f.outInterface;
            case "l4proto", "protocol" -> key.equals("l4proto") ? (Object) (long) f.packet.protocol()
                    : (f.packet.family() == Family.V4 ? "ip" : "ip6");
            case "nfproto" -> f.packet.family() == Family.V4 ? "ipv4" : "ipv6";
            case "mark" -> f.mark;
            case "pkttype" -> "host";
            case "iiftype", "oiftype" -> "ether";
            default -> UNREADABLE;
        };
    }

    private Object ct(NftExpr.Ct c, Flow f) {
        if (c.key().equals("state")) {
            long bits = !f.hasConntrack ? (f.untracked ? 64 : 1) : switch (f.reply ? "ESTABLISHED" : f.packet.state()) {
                case "NEW" -> 8;
                case "ESTABLISHED" -> 2;
                case "RELATED" -> 4;
                default -> 1;
            };
            return new Flags(bits, CT_STATE);
        }
        if (!f.hasConntrack) {
            return ABSENT;
        }
        boolean reply = "reply".equals(c.dir());
        return switch (c.key()) {
            case "status" -> new Flags(f.statusBits() | (f.destinationNatted ? 32 : 0) | (f.sourceNatted ? 16 : 0), CT_STATUS);
            case "mark" -> f.connMark;
            case "direction" -> f.reply ? "reply" : "original";
            case "l3proto" -> f.packet.family() == Family.V4 ? "ipv4" : "ipv6";
            case "protocol", "proto" -> (long) f.packet.protocol();
            case "saddr", "ip saddr", "ip6 saddr" -> c.dir() == null ? UNREADABLE
                    : reply ? (f.reply ? f.source : f.destination) : f.origSource;
            case "daddr", "ip daddr", "ip6 daddr" -> c.dir() == null ? UNREADABLE
                    : reply ? f.origSource : f.origDestination;
            case "proto-src" -> c.dir() == null || !f.packet.hasPorts() ? UNREADABLE
                    : (long) (reply ? (f.reply ? f.sourcePort : f.destinationPort) : f.origSourcePort);
            case "proto-dst" -> c.dir() == null || !f.packet.hasPorts() ? UNREADABLE
                    : (long) (reply ? f.origSourcePort : f.origDestinationPort);
            default -> UNREADABLE;
        };
    }

    private Object fib(NftExpr.Fib fib, Flow f) {
        if (!fib.result().equals("type") || fib.flags().contains("mark")) {
            if ((fib.result().equals("oif") || fib.result().equals("oifname")) && fib.flags().equals(List.of("daddr"))) {
                HostNet.RouteEntry r = net.isLocal(f.destination) ? null : net.route(f.destination);
                if (net.isLocal(f.destination)) {
                    return "lo";
                }
                return r == null || r.device() == null ? ABSENT : r.device();
            }
            return UNREADABLE;
        }
        boolean saddr = fib.flags().contains("saddr");
        IpAddress a = saddr ? f.source : f.destination;
        String dev = fib.flags().contains("iif") ? f.inInterface : fib.flags().contains("oif") ? f.outInterface : null;
        if (a.isV4()) {
            return net.addressType(a, dev).toLowerCase(Locale.ROOT);
        }
        if ((a.hi() >>> 56) == 0xff) {
            return "multicast";
        }
        if (dev == null) {
            return net.isLocal(a) ? "local" : "unicast";
        }
        return dev.equals(net.localInterface(a)) ? "local" : "unicast";
    }

    /** Whether {@code v} is {@code right}: a constant, prefix, range, anonymous or named set. */
    Tri member(Object v, NftExpr right, NftTable t) {
        if (right instanceof NftExpr.SetLiteral s) {
            return anyOf(v, s.elements(), t);
        }
        if (right instanceof NftExpr.SetRef r) {
            NftSet set = t == null ? null : t.set(r.name());
            if (set == null) {
                return Tri.UNKNOWN;
            }
            return anyOf(v, set.elements(), t);
        }
        return same(v, right);
    }

    private Tri anyOf(Object v, List<NftExpr> elements, NftTable t) {
        Tri out = Tri.FALSE;
        for (NftExpr e : elements) {
            Tri one = e instanceof NftExpr.Mapping m ? same(v, m.key()) : same(v, e);
            if (one == Tri.TRUE) {
                return Tri.TRUE;
            }
            if (one == Tri.UNKNOWN) {
                out = Tri.UNKNOWN;
            }
        }
        return out;
    }

    /** The data a map holds for {@code key}, null when none; UNREADABLE when that cannot be told. */
    Object lookup(Object key, NftExpr map, NftTable t) {
        List<NftExpr> elements;
        if (map instanceof NftExpr.SetLiteral s) {
            elements = s.elements();
        } else if (map instanceof NftExpr.SetRef r && t != null && t.set(r.name()) != null) {
            elements = t.set(r.name()).elements();
        } else {
            return UNREADABLE;
        }
        for (NftExpr e : elements) {
            if (!(e instanceof NftExpr.Mapping m)) {
                return UNREADABLE;
            }
            Tri hit = same(key, m.key());
            if (hit == Tri.UNKNOWN) {
                return UNREADABLE;
            }
            if (hit == Tri.TRUE) {
                return m.data();
            }
        }
        return null;
    }

    /** One element: a value, prefix, range or concatenation compared with the packet's value. */
    Tri same(Object v, NftExpr e) {
        if (v instanceof List<?> parts) {
            if (!(e instanceof NftExpr.Concat c) || c.parts().size() != parts.size()) {
                return Tri.UNKNOWN;
            }
            Tri out = Tri.TRUE;
            for (int i = 0; i < parts.size(); i++) {
                out = out.and(same(parts.get(i), c.parts().get(i)));
                if (out == Tri.FALSE) {
                    return out;
                }
            }
            return out;
        }
        if (e instanceof NftExpr.Range r) {
            int lo = compare(v, r.low());
            int hi = compare(v, r.high());
            if (lo == Integer.MIN_VALUE || hi == Integer.MIN_VALUE) {
                return Tri.UNKNOWN;
            }
            return Tri.of(lo >= 0 && hi <= 0);
        }
        if (e instanceof NftExpr.Prefix p) {
            if (!(v instanceof IpAddress ip)) {
                return Tri.UNKNOWN;
            }
            Object c = parsed.computeIfAbsent(p, k -> {
                try {
                    return Cidr.parse(p.address() + "/" + p.length());
                } catch (RuntimeException x) {
                    return NOT_AN_ADDRESS;
                }
            });
            if (!(c instanceof Cidr cidr)) {
                return Tri.UNKNOWN;
            }
            return Tri.of(cidr.family() == ip.family() && cidr.contains(ip));
        }
        if (e instanceof NftExpr.Value c) {
            if (v instanceof String s && c.value() instanceof String pattern) {
                if (pattern.endsWith("*") && !pattern.endsWith("\\*")) {
                    return Tri.of(s.startsWith(pattern.substring(0, pattern.length() - 1)));
                }
                return Tri.of(s.equals(pattern.replace("\\*", "*")));
            }
            int cmp = compare(v, c);
            return cmp == Integer.MIN_VALUE ? Tri.UNKNOWN : Tri.of(cmp == 0);
        }
        return Tri.UNKNOWN;
    }

    private Tri order(Object v, String op, NftExpr right) {
        int cmp = compare(v, right);
        if (cmp == Integer.MIN_VALUE) {
            return Tri.UNKNOWN;
        }
        return Tri.of(switch (op) {
            case "<" -> cmp < 0;
            case ">" -> cmp > 0;
            case "<=" -> cmp <= 0;
            default -> cmp >= 0;
        });
    }

    /** v compared with a constant; Integer.MIN_VALUE when they cannot be compared. */
    private int compare(Object v, NftExpr e) {
        if (!(e instanceof NftExpr.Value c)) {
            return Integer.MIN_VALUE;
        }
        if (v instanceof IpAddress ip) {
            Object parsedAddress = parsed.computeIfAbsent(c, k -> {
                try {
                    return IpAddress.parse(c.text());
                } catch (RuntimeException x) {
                    return NOT_AN_ADDRESS;
                }
            });
            if (!(parsedAddress instanceof IpAddress o)) {
                return Integer.MIN_VALUE;
            }
            return o.family() != ip.family() ? Integer.MIN_VALUE : Integer.signum(ip.compareTo(o));
        }
        if (v instanceof Long n) {
            Long o = c.value() instanceof Long l ? l : number(c.text());
            return o == null ? Integer.MIN_VALUE : Long.compare(n, o);
        }
        if (v instanceof String s) {
            return s.equals(c.text()) ? 0 : 1;
        }
        return Integer.MIN_VALUE;
    }

    private static Long number(String s) {
        Long svc = SERVICES.get(s);
        if (svc != null) {
            return svc;
        }
        try {
            return (long) io.cnifix.engine.Packet.protocolNumber(s);
        } catch (IllegalArgumentException x) {
            // not a protocol name
        }
        try {
            return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException x) {
            return null;
        }
    }
}
