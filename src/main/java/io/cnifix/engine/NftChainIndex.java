package io.cnifix.engine;

import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;

import java.util.List;
import java.util.Map;

/**
 * For long nft chains (netavark's one DNAT rule per published port): the rules that can match a packet of one
 * protocol and destination port. A rule is skipped only when a leading {@code tcp/udp/th dport == N} (or a set of
 * such ports) test, met before anything the rule does, excludes the packet; evaluating it would have said no.
 * Address tests against a literal address or prefix may come first ({@code ip saddr 10.88.0.0/16 tcp dport N}, the
 * two SETMARK rules netavark writes per port): they always evaluate to yes or no, never to an unknown that would
 * fork the trace, so the port test still decides alone that the rule cannot match.
 */
final class NftChainIndex {
    static final int MIN_RULES = 32;
    private static final int[] NONE = new int[0];

    /** Per protocol (tcp, udp, th for either), port to the ascending indexes of the rules it guards. */
    private final PortLists tcp;
    private final PortLists udp;
    private final PortLists th;
    /** The rules without such a guard, ascending. */
    private final int[] unguarded;
    /**
     * Per address constant (shared by the reader among rules), what it parses to: netavark's 30,000 SETMARK and
     * DNAT rules test the same two or three, and parsing each once per rule was most of building the index.
     */
    private final Map<NftExpr, Object> constants = new java.util.IdentityHashMap<>();

    NftChainIndex(NftChain chain) {
        List<NftRule> rules = chain.rules();
        Pairs tcpPairs = new Pairs();
        Pairs udpPairs = new Pairs();
        Pairs thPairs = new Pairs();
        Pairs rest = new Pairs();
        for (int i = 0; i < rules.size(); i++) {
            if (!guard(rules.get(i), i, tcpPairs, udpPairs, thPairs)) {
                rest.add(0, i);
            }
        }
        unguarded = rest.indexes();
        tcp = tcpPairs.lists();
        udp = udpPairs.lists();
        th = thPairs.lists();
    }

    /**
     * (port, rule index) pairs as longs, port in the high half: sorted, they group by port with the indexes
     * ascending. Boxed ports in hash maps of growable lists took 20 ms of a cold diff for netavark's 40,000 rules.
     */
    private static final class Pairs {
        long[] values = new long[16];
        int size;
        /** Whether the pairs came in ascending order (netavark writes its rules by port): no sort needed. */
        boolean sorted = true;

        void add(int port, int index) {
            long v = (long) port << 32 | index;
            if (size > 0 && values[size - 1] >= v) {
                if (values[size - 1] == v) {
                    return; // a set naming the port twice
                }
                sorted = false;
            }
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int[] indexes() {
            int[] out = new int[size];
            for (int i = 0; i < size; i++) {
                out[i] = (int) values[i];
            }
            return out;
        }

        PortLists lists() {
            if (!sorted) {
                java.util.Arrays.sort(values, 0, size);
            }
            int distinct = 0;
            for (int i = 0; i < size; i++) {
                if (i == 0 || values[i] >>> 32 != values[i - 1] >>> 32) {
                    distinct++;
                }
            }
            int[] ports = new int[distinct];
            int[][] lists = new int[distinct][];
            int from = 0;
            for (int k = 0; k < distinct; k++) {
                long port = values[from] >>> 32;
                int to = from;
                while (to < size && values[to] >>> 32 == port) {
                    to++;
                }
                int[] list = new int[to - from];
                int n = 0;
                for (int j = from; j < to; j++) {
                    if (j == from || values[j] != values[j - 1]) {
                        list[n++] = (int) values[j]; // a set naming a port twice, out of order, repeats a pair
                    }
                }
                ports[k] = (int) port;
                lists[k] = n == list.length ? list : java.util.Arrays.copyOf(list, n);
                from = to;
            }
            return new PortLists(ports, lists);
        }
    }

    /** Ascending ports, each with the ascending indexes of the rules it guards. */
    private record PortLists(int[] ports, int[][] lists) {
        int[] of(int port) {
            int at = java.util.Arrays.binarySearch(ports, port);
            return at < 0 ? NONE : lists[at];
        }
    }

    private boolean guard(NftRule r, int index, Pairs tcpPairs, Pairs udpPairs, Pairs thPairs) {
        for (NftStmt s : r.statements()) {
            if (s instanceof NftStmt.Passive || isAddressTest(s)) {
                continue;
            }
            if (!(s instanceof NftStmt.Match m) || !(m.left() instanceof NftExpr.Payload p) || !p.field().equals("dport")
                    || !("==".equals(m.op()) || "in".equals(m.op()))) {
                return false;
            }
            Pairs pairs = switch (p.protocol()) {
                case "tcp" -> tcpPairs;
                case "udp" -> udpPairs;
                case "th" -> thPairs;
                default -> null;
            };
            if (pairs == null) {
                return false;
            }
            List<NftExpr> values = m.right() instanceof NftExpr.SetLiteral set ? set.elements() : List.of(m.right());
            for (NftExpr v : values) {
                if (!(v instanceof NftExpr.Value val) || !(val.value() instanceof Long n) || n < 0 || n > 65535) {
                    return false;
                }
            }
            for (NftExpr v : values) {
                pairs.add((int) (long) (Long) ((NftExpr.Value) v).value(), index);
            }
            return true;
        }
        return false;
    }

    /** {@code ip|ip6 saddr|daddr ==|!= ADDRESS|PREFIX}, with a constant that parses: never unknown for a packet. */
    private boolean isAddressTest(NftStmt s) {
        if (!(s instanceof NftStmt.Match m) || !(m.left() instanceof NftExpr.Payload p)
                || !(p.protocol().equals("ip") || p.protocol().equals("ip6"))
                || !(p.field().equals("saddr") || p.field().equals("daddr"))
                || !("==".equals(m.op()) || "!=".equals(m.op()))) {
            return false;
        }
        Object c = constants.get(m.right());
        if (c == null) {
            c = parse(m.right());
            constants.put(m.right(), c);
        }
        if (c instanceof Boolean prefix) {
            return prefix;
        }
        // an address of the other family would compare as unknown
        return c == (p.protocol().equals("ip") ? io.cnifix.model.Family.V4 : io.cnifix.model.Family.V6);
    }

    /** A prefix: whether it parses; an address: its family; anything else: not an address. */
    private static Object parse(NftExpr right) {
        try {
            if (right instanceof NftExpr.Prefix x) {
                io.cnifix.model.Cidr.parse(x.address() + "/" + x.length());
                return Boolean.TRUE;
            }
            if (right instanceof NftExpr.Value v && v.value() instanceof String text) {
                return io.cnifix.model.IpAddress.parse(text).family();
            }
        } catch (RuntimeException notAnAddress) {
            return Boolean.FALSE;
        }
        return Boolean.FALSE;
    }

    /** Rule indexes, ascending, that a packet of {@code protocol} to {@code port} can match. */
    int[] candidates(int protocol, boolean hasPorts, int port) {
        if (!hasPorts) {
            return unguarded;
        }
        PortLists own = protocol == 6 ? tcp : protocol == 17 ? udp : null;
        int[] a = own == null ? NONE : own.of(port);
        int[] b = th.of(port);
        if (a.length == 0 && b.length == 0) {
            return unguarded;
        }
        return merge(merge(unguarded, a), b);
    }

    /** The ascending union of two ascending arrays. */
    private static int[] merge(int[] a, int[] b) {
        if (b.length == 0) {
            return a;
        }
        if (a.length == 0) {
            return b;
        }
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            int v = j >= b.length || i < a.length && a[i] < b[j] ? a[i++] : b[j++];
            if (n == 0 || out[n - 1] != v) {
                out[n++] = v;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }
}
