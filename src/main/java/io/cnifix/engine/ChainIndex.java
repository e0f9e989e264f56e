package io.cnifix.engine;

import io.cnifix.model.Chain;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Side;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For long chains (one or two rules per container): the rules that can match at all, for a destination address,
 * a destination port and a scope of sources. A rule is skipped only when a positive -d, -s, --dport or --dports
 * test excludes every such packet, so the result is exact for all packets of that scope.
 */
final class ChainIndex {
    static final int MIN_RULES = 32;
    private static final int MAX_PORTS = 16;

    private record Guard(Cidr destination, Cidr source, int[] ports) {
    }

    /** Scopes are compared by identity: a caller reuses one scope object for many packets. */
    private record Key(SourceScope scope, IpAddress destination, int port) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.scope == scope && java.util.Objects.equals(k.destination, destination) && k.port == port;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(scope) * 31 + java.util.Objects.hashCode(destination)) * 31 + port;
        }
    }

    private final Guard[] guards;
    private final Map<IpAddress, int[]> byHostDestination = new HashMap<>();
    private final int[] rest;
    private final int[] restAnyPort;
    private final Map<Integer, int[]> restByPort = new HashMap<>();
    /** Rules of {@link #rest} with a positive source test, in the order of their source prefix's base address. */
    private final int[] bySourceBase;
    private final List<Cidr> sourcesByBase;
    private final Map<Key, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Key, int[]> scopedRest = new java.util.concurrent.ConcurrentHashMap<>();

    ChainIndex(Chain chain) {
        List<Rule> rules = chain.rules();
        guards = new Guard[rules.size()];
        Map<IpAddress, List<Integer>> byDst = new HashMap<>();
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            guards[i] = guard(rules.get(i));
            Cidr d = guards[i].destination();
            if (d != null && d.isHost()) {
                byDst.computeIfAbsent(d.base(), k -> new ArrayList<>()).add(i);
            } else {
                others.add(i);
            }
        }
        byDst.forEach((k, v) -> byHostDestination.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        rest = others.stream().mapToInt(Integer::intValue).toArray();
        List<Integer> any = new ArrayList<>();
        Map<Integer, List<Integer>> byPort = new HashMap<>();
        for (int i : rest) {
            if (guards[i].ports() == null) {
                any.add(i);
            } else {
                for (int p : guards[i].ports()) {
                    byPort.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
                }
            }
        }
        restAnyPort = any.stream().mapToInt(Integer::intValue).toArray();
        List<Integer> withSource = new ArrayList<>();
        for (int i : rest) {
            if (guards[i].source() != null) {
                withSource.add(i);
            }
        }
        withSource.sort(java.util.Comparator.comparing(i -> guards[i].source().base()));
        bySourceBase = withSource.stream().mapToInt(Integer::intValue).toArray();
        sourcesByBase = withSource.stream().map(i -> guards[i].source()).toList();
        byPort.forEach((k, v) -> restByPort.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
    }

    private static Guard guard(Rule r) {
        Cidr dst = null;
        Cidr src = null;
        int[] ports = null;
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && !a.negated()) {
                if (a.side() == Side.DESTINATION) {
                    dst = a.cidr();
                } else {
                    src = a.cidr();
                }
            } else if (m instanceof Match.Ports p) {
                for (Match.PortCondition c : p.conditions()) {
                    if (c instanceof Match.PortIs pi && pi.side() == Side.DESTINATION && !pi.negated()) {
                        ports = expand(List.of(pi.range()));
                    }
                }
            } else if (m instanceof Match.Multiport mp && mp.side() == Side.DESTINATION && !mp.negated()) {
                ports = expand(mp.ports());
            }
        }
        return new Guard(dst, src, ports);
    }

    private static int[] expand(List<PortRange> ranges) {
        List<Integer> out = new ArrayList<>();
        for (PortRange r : ranges) {
            if (r.last() - r.first() + out.size() >= MAX_PORTS) {
                return null;
            }
            for (int p = r.first(); p <= r.last(); p++) {
                out.add(p);
            }
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Rule positions, ascending, that may match; {@code port} -1 when the caller explores several ports. */
    int[] candidates(SourceScope scope, IpAddress destination, int port) {
        return cache.computeIfAbsent(new Key(scope, destination, port), this::compute);
    }

    private int[] compute(Key k) {
        int[] hosts = byHostDestination.getOrDefault(k.destination(), new int[0]);
        int[] others = scopedRest.computeIfAbsent(new Key(k.scope(), null, k.port()), this::restInScope);
        int[] all = merge(hosts, others);
        int n = 0;
        for (int i : all) {
            if (admits(guards[i], k)) {
                all[n++] = i;
            }
        }
        return Arrays.copyOf(all, n);
    }

    /** The rules without a host destination that the scope's sources and the port leave possible. */
    private int[] restInScope(Key k) {
        int[] others = k.port() < 0 ? rest : merge(restAnyPort, restByPort.getOrDefault(k.port(), new int[0]));
        // One sweep of the sorted prefixes against the scope (linear), not one search per rule.
        boolean[] hit = new boolean[sourcesByBase.size()];
        k.scope().mayContainEach(sourcesByBase, hit);
        boolean[] inScope = new boolean[guards.length];
        for (int j = 0; j < hit.length; j++) {
            inScope[bySourceBase[j]] = hit[j];
        }
        int n = 0;
        int[] out = new int[others.length];
        for (int i : others) {
            if (guards[i].source() == null || inScope[i]) {
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] merge(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            out[n++] = j >= b.length || (i < a.length && a[i] < b[j]) ? a[i++] : b[j++];
        }
        return out;
    }

    private static boolean admits(Guard g, Key k) {
        if (g.destination() != null && !g.destination().contains(k.destination())) {
            return false;
        }
        if (g.source() != null && !k.scope().mayContain(g.source())) {
            return false;
        }
        return g.ports() == null || k.port() < 0 || Arrays.binarySearch(g.ports(), k.port()) >= 0;
    }
}
