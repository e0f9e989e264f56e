package io.cnifix.engine;

import io.cnifix.model.Cidr;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.IpSet;
import io.cnifix.model.Match;
import io.cnifix.model.MatchFacts;
import io.cnifix.model.Network;
import io.cnifix.model.Route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the host's addresses and routes say about a destination: is it the host's own (addrtype LOCAL, local
 * delivery), and if not, through which interface it leaves. Built from {@code ip -j address}/{@code ip -j route},
 * the container networks' bridges and subnets, and extra addresses and routes given on the command line.
 */
public final class HostNet {
    /** A destination prefix and where it goes; device null for routes that discard (blackhole and kin). */
    public record RouteEntry(Cidr destination, String device, String type, int metric, int priority) {
    }

    private final Map<IpAddress, String> locals = new HashMap<>();
    /** The host's addresses with their prefixes, for the source MASQUERADE picks. */
    private final List<HostAddress> owned = new ArrayList<>();
    /** IPv4 broadcast routes of the local table, with the device each is on (null when not known). */
    private final List<RouteEntry> broadcasts = new ArrayList<>();
    private final List<RouteEntry> routes = new ArrayList<>();
    private MatchFacts facts = MatchFacts.NONE;
    private Map<String, IpSet> sets = Map.of();

    public HostNet(List<HostAddress> addresses, List<Route> routeList, List<Network> networks,
                   List<IpAddress> extraLocals, List<RouteEntry> extraRoutes) {
        for (HostAddress a : addresses) {
            owned.add(a);
            locals.putIfAbsent(a.address(), a.iface());
            if (!a.address().isLoopback() && a.prefix() < a.address().family().bits()) {
                routes.add(new RouteEntry(a.subnet(), a.iface(), "unicast", 0, 1));
                if (a.address().isV4() && a.prefix() < 31) {
                    broadcasts.add(new RouteEntry(Cidr.host(a.subnet().last()), a.iface(), "broadcast", 0, 0));
                }
            }
        }
        for (Network n : networks) {
            if (n.bridge() == null) {
                continue;
            }
            for (IpAddress g : n.gateways()) {
                locals.putIfAbsent(g, n.bridge());
                for (Cidr sub : n.subnets()) {
                    if (sub.contains(g)) {
                        owned.add(new HostAddress(n.bridge(), g, sub.prefix()));
                    }
                }
            }
            for (Cidr s : n.subnets()) {
                routes.add(new RouteEntry(s, n.bridge(), "unicast", 0, 1));
            }
        }
        for (Route r : routeList) {
            if ("local".equals(r.type())) {
                if (r.destination().isHost()) {
                    locals.putIfAbsent(r.destination().base(), r.device());
                }
                continue;
            }
            if ("broadcast".equals(r.type())) {
                broadcasts.add(new RouteEntry(r.destination(), r.device(), "broadcast", 0, 0));
                continue;
            }
            if (r.table() != null && !r.table().equals("main") && !r.table().equals("254")) {
                continue;
            }
            String type = r.type() == null ? "unicast" : r.type();
            routes.add(new RouteEntry(r.destination(), "unicast".equals(type) ? r.device() : null, type, r.metric(), 0));
        }
        for (IpAddress l : extraLocals) {
            locals.putIfAbsent(l, "lo");
        }
        for (RouteEntry e : extraRoutes) {
            routes.add(new RouteEntry(e.destination(), e.device(), e.type(), e.metric(), 2));
        }
        // Longest prefix first; among equals, command-line routes, then connected, then the table by metric.
        routes.sort(HostNet::lookupOrder);
    }

    public static HostNet of(HostState state, List<IpAddress> extraLocals, List<RouteEntry> extraRoutes) {
        return new HostNet(state.addresses(), state.routes(), state.networks(), extraLocals, extraRoutes)
                .withMatchFacts(state.matchFacts());
    }

    /** This host with the ipsets and history assumption set and stateful matches read. */
    public HostNet withMatchFacts(MatchFacts f) {
        this.facts = f;
        this.sets = f.byName();
        return this;
    }

    public MatchFacts matchFacts() {
        return facts;
    }

    Map<String, IpSet> sets() {
        return sets;
    }

    /**
     * Where a match's outcome can change across sources and ports, for the comparer to split source classes at:
     * an iprange's ends, a set's elements, and for rpfilter every route and local address (the reverse lookup).
     */
    public Cuts cuts(Match m) {
        List<Cidr> src = new ArrayList<>();
        List<io.cnifix.model.PortRange> sp = new ArrayList<>();
        List<io.cnifix.model.PortRange> dp = new ArrayList<>();
        if (m instanceof Match.IpRange r && r.srcFrom() != null) {
            src.add(Cidr.host(r.srcFrom()));
            src.add(Cidr.host(r.srcTo()));
        } else if (m instanceof Match.RpFilter) {
            for (RouteEntry e : routes) {
                src.add(e.destination());
            }
            for (IpAddress l : locals.keySet()) {
                src.add(Cidr.host(l));
            }
        } else if (m instanceof Match.SetMatch sm) {
            setCuts(sets.get(sm.name()), sm.directions(), src, sp, dp, true);
        }
        return new Cuts(src, sp, dp);
    }

    private void setCuts(IpSet s, List<Boolean> dirs, List<Cidr> src, List<io.cnifix.model.PortRange> sp,
                         List<io.cnifix.model.PortRange> dp, boolean top) {
        if (s == null || dirs.isEmpty()) {
            return;
        }
        if (s.type().equals("list:set")) {
            if (top) {
                for (String member : s.members()) {
                    setCuts(sets.get(member), dirs, src, sp, dp, false);
                }
            }
            return;
        }
        boolean portFirst = s.type().equals("bitmap:port");
        for (IpSet.Entry e : s.entries()) {
            if (e.address() != null && dirs.get(0)) {
                src.add(e.address());
            }
            if (e.port() != null && e.port() >= 0) {
                boolean source = portFirst ? dirs.get(0) : dirs.size() > 1 && dirs.get(1);
                (source ? sp : dp).add(io.cnifix.model.PortRange.of(e.port()));
            }
        }
    }

    /** Boundaries one match draws: source prefixes, source ports, destination ports. */
    public record Cuts(List<Cidr> sources, List<io.cnifix.model.PortRange> sourcePorts,
                       List<io.cnifix.model.PortRange> destinationPorts) {
    }

    /**
     * The source address MASQUERADE gives a packet leaving by {@code dev} for {@code dst}, as inet_select_addr
     * picks it: the device's address of dst's family whose subnet holds dst, else its only one (IPv6 link-local
     * ones aside); null when that cannot be told.
     */
    public IpAddress masqueradeSource(String dev, IpAddress dst) {
        List<HostAddress> mine = new ArrayList<>();
        for (HostAddress a : owned) {
            boolean linkLocal = !a.address().isV4() && (a.address().hi() >>> 54) == (0xfe80L >>> 6);
            if (a.iface().equals(dev) && a.address().family() == dst.family() && !linkLocal
                    && mine.stream().noneMatch(b -> b.address().equals(a.address()))) {
                if (a.subnet().contains(dst)) {
                    return a.address();
                }
                mine.add(a);
            }
        }
        return mine.size() == 1 ? mine.get(0).address() : null;
    }

    public boolean isLocal(IpAddress a) {
        return a.isLoopback() || locals.containsKey(a);
    }

    /** The interface a local address lives on ("lo" for loopback), or null when it is not local. */
    public String localInterface(IpAddress a) {
        String dev = locals.get(a);
        return dev != null ? dev : a.isLoopback() ? "lo" : null;
    }

    /**
     * Why the kernel throws away, on receipt, a packet that came in by {@code in} from {@code src} to {@code dst}
     * before any netfilter hook sees it (IPv6: ip6_rcv_core, RFC 4291 2.5.3, 2.5.5.2 and 2.7), or null.
     */
    public String droppedOnReceipt(IpAddress src, IpAddress dst, String in) {
        if (src.isV4() || "lo".equals(in)) {
            return null;
        }
        if (src.isLoopback() || dst.isLoopback()) {
            return "IPv6 loopback address from outside the host";
        }
        if ((src.hi() >>> 56) == 0xff) {
            return "IPv6 multicast source";
        }
        if (src.hi() == 0 && (src.lo() >>> 32) == 0xffffL) {
            return "IPv4-mapped IPv6 source";
        }
        return null;
    }

    /**
     * Why the routing decision after PREROUTING (ip_route_input_slow, ip6_route_input) drops a packet that came in
     * by {@code in} from {@code src} to the (possibly DNATed) {@code dst}, or null. IPv4: multicast, limited
     * broadcast, 0.0.0.0/8 and loopback sources and the host's own addresses as source are martian sources;
     * 0.0.0.0/8 and loopback destinations are martian destinations (route_localnet and accept_local are taken to
     * be off, their defaults). IPv6: ::1 is only reachable on lo. Then, for IPv4, the rp_filter sysctl (reversePath).
     */
    public String martian(IpAddress src, IpAddress dst, String in) {
        if ("lo".equals(in)) {
            return null;
        }
        if (!src.isV4()) {
            return dst.isLoopback() ? "loopback destination " + dst + " from outside the host" : null;
        }
        long s = src.lo();
        long d = dst.lo();
        // In ip_route_input_slow's order: a limited broadcast is let in before the 0.0.0.0/8 source test.
        if ((s >>> 28) == 0xe || s == 0xffffffffL) {
            return "martian source " + src;
        }
        if (d == 0xffffffffL) {
            return null;
        }
        if ((s >>> 24) == 0) {
            return "martian source " + src;
        }
        if ((d >>> 24) == 0) {
            return "martian destination " + dst;
        }
        if (dst.isLoopback()) {
            return "martian destination " + dst + " (route_localnet is off)";
        }
        if (src.isLoopback()) {
            return "martian source " + src + " (route_localnet is off)";
        }
        if (locals.containsKey(src)) {
            return "martian source " + src + ": an address of this host";
        }
        return reversePath(src, in);
    }

    /**
     * The IPv4 rp_filter sysctl's decision on a packet in on {@code in} from {@code src}, or null when it passes. The
     * kernel checks it in the routing decision (fib_validate_source, after PREROUTING, so after any DNAT): with the
     * larger of conf/all and conf/IFACE, strict (1) wants the route back to the source to leave by {@code in}, loose
     * (2) wants any route back; no route, or one that discards, fails both. IPv6 has no such sysctl.
     */
    public String reversePath(IpAddress src, String in) {
        io.cnifix.model.RpFilter rp = facts.rpFilter();
        if (rp == null || !src.isV4() || in == null || "lo".equals(in)) {
            return null;
        }
        int mode = rp.effective(in);
        if (mode == io.cnifix.model.RpFilter.OFF) {
            return null;
        }
        String setting = "rp_filter " + mode + " (" + io.cnifix.model.RpFilter.word(mode) + ") on " + in;
        RouteEntry back = route(src);
        if (back == null || back.device() == null || !"unicast".equals(back.type())) {
            return "reverse-path filter: " + setting + " and no route back to " + src
                    + (back == null ? "" : " (" + back.type() + " route " + back.destination() + ")");
        }
        if (mode == io.cnifix.model.RpFilter.STRICT && !back.device().equals(in)) {
            return "reverse-path filter: " + setting + " and the route back to " + src + " leaves by " + back.device();
        }
        return null;
    }

    /** Whether the rp_filter sysctl checks IPv4 packets coming in on {@code in}. */
    public boolean reversePathOn(String in) {
        io.cnifix.model.RpFilter rp = facts.rpFilter();
        return rp != null && in != null && !"lo".equals(in) && rp.effective(in) != io.cnifix.model.RpFilter.OFF;
    }

    /** Where the rp_filter sysctl's outcome can change across IPv4 sources (empty when it is off everywhere). */
    public List<Cidr> reversePathCuts() {
        io.cnifix.model.RpFilter rp = facts.rpFilter();
        if (rp == null || !rp.anyOn()) {
            return List.of();
        }
        List<Cidr> out = new ArrayList<>();
        for (RouteEntry e : routes) {
            if (e.destination().base().isV4()) {
                out.add(e.destination());
            }
        }
        return out;
    }

    /** The route a forwarded packet to {@code dst} takes, or null when there is none. */
    public RouteEntry route(IpAddress dst) {
        for (RouteEntry e : routes) {
            if (e.destination().contains(dst)) {
                return e;
            }
        }
        return null;
    }

    /**
     * The kernel's IPv4 address type, as -m addrtype sees it (inet_dev_addr_type): only the local table counts, so
     * an address without any route is still UNICAST. {@code limitDevice} non-null (--limit-iface-in/out) keeps the
     * local table's type only when its entry is on that device; otherwise the address is UNICAST.
     */
    public String addressType(IpAddress a, String limitDevice) {
        if (!a.isV4()) {
            throw new IllegalArgumentException("IPv6 address types are a mask: see addressTypes6");
        }
        long v = a.lo();
        if (v == 0 || v == 0xffffffffL) {
            return "BROADCAST";
        }
        if ((v >>> 28) == 0xe) {
            return "MULTICAST";
        }
        String dev = localInterface(a);
        if (dev != null) {
            return limitDevice == null || limitDevice.equals(dev) ? "LOCAL" : "UNICAST";
        }
        for (RouteEntry b : broadcasts) {
            if (b.destination().contains(a)) {
                return limitDevice == null || b.device() == null || limitDevice.equals(b.device()) ? "BROADCAST"
                        : "UNICAST";
            }
        }
        return "UNICAST";
    }

    /**
     * What xt_addrtype's route lookup (match_lookup_rt6) says of an IPv6 address, as a set of LOCAL, ANYCAST and
     * UNREACHABLE. Without a device: a full lookup, LOCAL for the host's addresses, UNREACHABLE with no route or a
     * discarding one, ANYCAST for a subnet-router anycast address (the base of a prefix routed on a link). With a
     * device (--limit-iface-*), only LOCAL is modelled: the address must sit on that very device; null is returned
     * when the caller needs ANYCAST or UNREACHABLE too, which then hang on an interface-bound output lookup.
     */
    public java.util.Set<String> lookupTypes6(IpAddress a, String limitDevice, boolean needsRouteTypes) {
        java.util.Set<String> out = new java.util.HashSet<>();
        if (limitDevice != null) {
            if (needsRouteTypes) {
                return null;
            }
            if (limitDevice.equals(localInterface(a))) {
                out.add("LOCAL");
            }
            return out;
        }
        if (isLocal(a)) {
            out.add("LOCAL");
            return out;
        }
        RouteEntry r = route(a);
        if (r == null || r.device() == null) {
            out.add("UNREACHABLE");
            return out;
        }
        if (r.destination().prefix() > 0 && r.destination().prefix() < 127 && r.destination().base().equals(a)) {
            out.add("ANYCAST");
        }
        return out;
    }

    public List<RouteEntry> routes() {
        return List.copyOf(routes);
    }

    /** Longest prefix first, then the higher rule priority, then the lower metric. */
    private static int lookupOrder(RouteEntry a, RouteEntry b) {
        int c = Integer.compare(b.destination().prefix(), a.destination().prefix());
        if (c == 0) {
            c = Integer.compare(b.priority(), a.priority());
        }
        return c != 0 ? c : Integer.compare(a.metric(), b.metric());
    }
}
