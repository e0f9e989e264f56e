package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.Network;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Chain;
import io.cnifix.model.Side;
import io.cnifix.model.Table;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where "a new connection from outside" can come from, for one address family: every unicast source that is not
 * the host's own, not a container subnet and not special; every interface that is not a bridge or loopback (the
 * host's, the ones the rules name, and one unnamed); and the host's outside addresses it can be sent to.
 */
final class OutsideWorld {
    /** Stand-ins when the host's addresses are not known: documentation-range addresses on "eth0". */
    static final IpAddress STAND_IN_V4 = IpAddress.parse("198.18.0.1");
    static final IpAddress STAND_IN_V6 = IpAddress.parse("2001:db8:ffff::1");

    final List<Interval> sources;
    /** One interface per class of interfaces the rules cannot tell apart; {@link #alike} lists each class. */
    final List<String> interfaces;
    final java.util.Map<String, List<String>> alike = new java.util.LinkedHashMap<>();
    final List<IpAddress> destinations;
    final boolean standIn;

    OutsideWorld(HostState host, Ruleset rules, Family family) {
        Set<String> bridges = new LinkedHashSet<>();
        for (Network n : host.networks()) {
            if (n.bridge() != null) {
                bridges.add(n.bridge());
            }
        }
        List<IpAddress> dests = new ArrayList<>();
        Set<String> ifaces = new LinkedHashSet<>();
        for (HostAddress a : host.addresses()) {
            if (external(a.iface(), bridges)) {
                ifaces.add(a.iface());
                if (a.address().family() == family && !linkLocal(a.address())) {
                    dests.add(a.address());
                }
            }
        }
        standIn = dests.isEmpty();
        if (standIn) {
            dests.add(family == Family.V4 ? STAND_IN_V4 : STAND_IN_V6);
            ifaces.add("eth0");
        }
        Set<String> named = new LinkedHashSet<>();
        boolean limitIface = scan(rules, named);
        for (String n : named) {
            if (!n.endsWith("+") && external(n, bridges)) {
                ifaces.add(n);
            }
        }
        // An interface the host does not list may still match a wildcard ("-i eth+"): the pattern itself stands
        // for such interfaces (it matches exactly the patterns that are prefixes of it), unless it is meant for
        // the container side (it covers a bridge, veth or vnet names) or is the bare "+".
        for (String n : named) {
            String prefix = n.substring(0, n.length() - 1);
            if (n.endsWith("+") && !prefix.isEmpty() && external(prefix, bridges) && !"veth".startsWith(prefix)
                    && !"vnet".startsWith(prefix) && !"lo".startsWith(prefix) && bridges.stream().noneMatch(b -> b.startsWith(prefix))) {
                ifaces.add(n);
            }
        }
        String other = unnamed(named);
        ifaces.add(other != null ? other : "+");
        boolean reversePath = family == Family.V4 && host.matchFacts().rpFilter() != null && host.matchFacts().rpFilter().anyOn();
        java.util.Map<List<Boolean>, String> byBehaviour = new java.util.LinkedHashMap<>();
        for (String i : ifaces) {
            List<Boolean> behaviour = new ArrayList<>();
            for (String n : named) {
                behaviour.add(new Match.Interface(Side.SOURCE, n, false).matches(i));
            }
            // --limit-iface-in makes addrtype depend on which interface holds an address, and the rp_filter sysctl
            // makes the routing decision depend on the interface a packet came in by: keep them all apart.
            String rep = limitIface || reversePath ? i : byBehaviour.computeIfAbsent(behaviour, k -> i);
            alike.computeIfAbsent(rep, k -> new ArrayList<>()).add(i);
        }
        this.interfaces = List.copyOf(alike.keySet());
        this.destinations = List.copyOf(dests);
        this.sources = sources(host, family, dests);
    }

    private static boolean linkLocal(IpAddress a) {
        return !a.isV4() && (a.hi() >>> 54) == (0xfe80L >>> 6);
    }

    static boolean external(String iface, Set<String> bridges) {
        return !iface.equals("lo") && !bridges.contains(iface) && !iface.startsWith("veth") && !iface.startsWith("vnet");
    }

    /**
     * Adds every input interface the rules name to {@code named}, in rule order, and says whether any rule's addrtype
     * match is limited to an interface. One indexed pass: a host may hold 100,000 rules, and with C1 alone every
     * iterator is an allocation.
     */
    private static boolean scan(Ruleset rules, Set<String> named) {
        boolean limitIface = false;
        for (Table t : rules.tables().values()) {
            for (Chain c : t.chains().values()) {
                List<Rule> list = c.rules();
                for (int i = 0, n = list.size(); i < n; i++) {
                    List<Match> matches = list.get(i).matches();
                    for (int j = 0, k = matches.size(); j < k; j++) {
                        Match m = matches.get(j);
                        if (m instanceof Match.Interface in && in.side() == Side.SOURCE) {
                            named.add(in.name());
                        } else if (m instanceof Match.AddrType a && (a.limitIfaceIn() || a.limitIfaceOut())) {
                            limitIface = true;
                        }
                    }
                }
            }
        }
        return limitIface;
    }

    /**
     * A name that no -i pattern in the rules names, standing for every interface they do not mention; null when
     * wildcards leave no such name (say "-i +"), then "+" stands for them.
     */
    private static String unnamed(Set<String> named) {
        for (String prefix : new String[] {"ext", "wan", "if", "net", "x", "_"}) {
            for (int i = 0; i < 10; i++) {
                String candidate = prefix + i;
                boolean hit = false;
                for (String n : named) {
                    hit |= new Match.Interface(Side.SOURCE, n, false).matches(candidate);
                }
                if (!hit) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static List<Interval> sources(HostState host, Family family, List<IpAddress> dests) {
        List<Interval> excluded = new ArrayList<>();
        String[] special = family == Family.V4
                ? new String[] {"0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"}
                : new String[] {"::/127", "fe80::/10", "ff00::/8", "::ffff:0:0/96"};
        for (String s : special) {
            excluded.add(Interval.of(Cidr.parse(s)));
        }
        for (HostAddress a : host.addresses()) {
            if (a.address().family() == family) {
                excluded.add(Interval.of(Cidr.host(a.address())));
                if (family == Family.V4 && a.prefix() < 31) {
                    excluded.add(Interval.of(Cidr.host(a.subnet().last())));
                }
            }
        }
        for (IpAddress d : dests) {
            excluded.add(Interval.of(Cidr.host(d)));
        }
        for (Network n : host.networks()) {
            for (Cidr c : n.subnets()) {
                if (c.family() == family) {
                    excluded.add(Interval.of(c));
                }
            }
        }
        excluded.sort(Comparator.comparing(Interval::first));
        List<Interval> out = new ArrayList<>();
        IpAddress next = Cidr.all(family).base();
        IpAddress top = Cidr.all(family).last();
        boolean done = false;
        for (Interval e : excluded) {
            if (done) {
                break;
            }
            if (e.first().compareTo(next) > 0) {
                out.add(new Interval(next, e.first().plus(-1)));
            }
            if (e.last().compareTo(next) >= 0) {
                if (e.last().equals(top)) {
                    done = true;
                } else {
                    next = e.last().plus(1);
                }
            }
        }
        if (!done) {
            out.add(new Interval(next, top));
        }
        return out;
    }

    /** True when the given source ranges cover every outside source. */
    boolean coversAll(List<Interval> ranges) {
        long hit = 0;
        List<Interval> merged = Interval.merge(ranges);
        for (Interval s : sources) {
            for (Interval r : merged) {
                if (r.first().compareTo(s.first()) <= 0 && r.last().compareTo(s.last()) >= 0) {
                    hit++;
                    break;
                }
            }
        }
        return hit == sources.size();
    }
}
