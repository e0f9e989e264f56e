package io.cnifix.engine;

import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;

import java.util.ArrayList;
import java.util.HashMap;
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

    /** Per protocol ("tcp", "udp", or "th" for either), port to rule indexes; plus the rules without such a guard. */
    private final Map<String, Map<Integer, List<Integer>>> byPort = new HashMap<>();
    private final List<Integer> unguarded = new ArrayList<>();
    private final Map<Long, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();

    NftChainIndex(NftChain chain) {
        List<NftRule> rules = chain.rules();
        for (int i = 0; i < rules.size(); i++) {
            if (!guard(rules.get(i), i)) {
                unguarded.add(i);
            }
        }
    }

    private boolean guard(NftRule r, int index) {
        for (NftStmt s : r.statements()) {
            if (s instanceof NftStmt.Passive || isAddressTest(s)) {
                continue;
            }
            if (!(s instanceof NftStmt.Match m) || !(m.left() instanceof NftExpr.Payload p) || !p.field().equals("dport")
                    || !List.of("tcp", "udp", "th").contains(p.protocol()) || !("==".equals(m.op()) || "in".equals(m.op()))) {
                return false;
            }
            List<NftExpr> values = m.right() instanceof NftExpr.SetLiteral set ? set.elements() : List.of(m.right());
            List<Integer> ports = new ArrayList<>();
            for (NftExpr v : values) {
                if (!(v instanceof NftExpr.Value val) || !(val.value() instanceof Long n) || n < 0 || n > 65535) {
                    return false;
                }
                ports.add((int) (long) n);
            }
            for (int port : ports) {
                byPort.computeIfAbsent(p.protocol(), k -> new HashMap<>()).computeIfAbsent(port, k -> new ArrayList<>()).add(index);
            }
            return true;
        }
        return false;
    }

    /** {@code ip|ip6 saddr|daddr ==|!= ADDRESS|PREFIX}, with a constant that parses: never unknown for a packet. */
    private static boolean isAddressTest(NftStmt s) {
        if (!(s instanceof NftStmt.Match m) || !(m.left() instanceof NftExpr.Payload p)
                || !(p.protocol().equals("ip") || p.protocol().equals("ip6"))
                || !(p.field().equals("saddr") || p.field().equals("daddr"))
                || !("==".equals(m.op()) || "!=".equals(m.op()))) {
            return false;
        }
        try {
            if (m.right() instanceof NftExpr.Prefix x) {
                io.cnifix.model.Cidr.parse(x.address() + "/" + x.length());
                return true;
            }
            if (m.right() instanceof NftExpr.Value v && v.value() instanceof String text) {
                // an address of the other family would compare as unknown
                return io.cnifix.model.IpAddress.parse(text).family()
                        == (p.protocol().equals("ip") ? io.cnifix.model.Family.V4 : io.cnifix.model.Family.V6);
            }
        } catch (RuntimeException notAnAddress) {
            return false;
        }
        return false;
    }

    /** Rule indexes, ascending, that a packet of {@code protocol} to {@code port} can match. */
    int[] candidates(int protocol, boolean hasPorts, int port) {
        long key = ((long) protocol << 32) | (hasPorts ? port : 0x1ffff);
        return cache.computeIfAbsent(key, k -> {
            List<Integer> out = new ArrayList<>(unguarded);
            if (hasPorts) {
                String name = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : null;
                if (name != null && byPort.containsKey(name)) {
                    out.addAll(byPort.get(name).getOrDefault(port, List.of()));
                }
                if (byPort.containsKey("th")) {
                    out.addAll(byPort.get("th").getOrDefault(port, List.of()));
                }
            }
            return out.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        });
    }
}
