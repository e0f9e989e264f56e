package io.cnifix.engine.compare;

import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Regroups regions of one fate so that each group is exactly the product of its sources, interfaces, destinations
 * and destination ports. A report line "from these sources, on these interfaces, to these ports" claims every
 * combination; the union of a few regions is not always such a product (eth0 from everyone, eth1 from all but
 * 45.0.0.0/8 is not "everyone on eth0 and eth1"), so regions are only merged along one dimension when they agree
 * on all the others, which keeps every merge exact.
 */
final class Products {

    private record Cluster(List<Interval> sources, Set<String> interfaces, Set<IpAddress> destinations,
                           List<PortRange> ports, List<Region> regions) {
    }

    private Products() {
    }

    static List<List<Region>> partition(List<Region> regions) {
        List<Cluster> clusters = new ArrayList<>();
        for (Region r : regions) {
            clusters.add(new Cluster(Interval.merge(r.box().sources().ranges()), Set.of(r.box().inInterface()),
                    Set.of(r.box().destination()), List.of(r.box().destinationPorts()), List.of(r)));
        }
        for (int round = 0; round < 2; round++) {
            for (int dimension = 0; dimension < 4; dimension++) {
                clusters = merge(clusters, dimension);
            }
        }
        List<List<Region>> out = new ArrayList<>();
        clusters.forEach(c -> out.add(c.regions()));
        return out;
    }

    /** Joins clusters that agree on every dimension but {@code dimension} (0 sources, 1 interfaces, 2 destinations, 3 ports). */
    private static List<Cluster> merge(List<Cluster> clusters, int dimension) {
        Map<List<Object>, Cluster> byRest = new LinkedHashMap<>();
        for (Cluster c : clusters) {
            List<Object> key = new ArrayList<>(List.of(c.sources(), new TreeSet<>(c.interfaces()),
                    new TreeSet<>(c.destinations()), c.ports()));
            key.set(dimension, "*");
            Cluster prev = byRest.get(key);
            byRest.put(key, prev == null ? c : join(prev, c));
        }
        return new ArrayList<>(byRest.values());
    }

    private static Cluster join(Cluster a, Cluster b) {
        List<Interval> sources = new ArrayList<>(a.sources());
        sources.addAll(b.sources());
        Set<String> ifaces = new LinkedHashSet<>(a.interfaces());
        ifaces.addAll(b.interfaces());
        Set<IpAddress> dests = new LinkedHashSet<>(a.destinations());
        dests.addAll(b.destinations());
        List<PortRange> ports = new ArrayList<>(a.ports());
        ports.addAll(b.ports());
        List<Region> regions = new ArrayList<>(a.regions());
        regions.addAll(b.regions());
        return new Cluster(Interval.merge(sources), ifaces, dests, mergePorts(ports), regions);
    }

    private static List<PortRange> mergePorts(List<PortRange> in) {
        List<PortRange> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparingInt(PortRange::first));
        List<PortRange> out = new ArrayList<>();
        for (PortRange p : sorted) {
            if (!out.isEmpty() && out.get(out.size() - 1).last() + 1 >= p.first()) {
                PortRange prev = out.remove(out.size() - 1);
                out.add(new PortRange(prev.first(), Math.max(prev.last(), p.last())));
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
