package io.cnifix.engine;

import io.cnifix.model.Cidr;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.Route;

import java.util.ArrayList;
import java.util.Comparator;
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
    private final List<Cidr> broadcasts = new ArrayList<>();
    private final List<RouteEntry> routes = new ArrayList<>();

    public HostNet(List<HostAddress> addresses, List<Route> routeList, List<Network> networks,
                   List<IpAddress> extraLocals, List<RouteEntry> extraRoutes) {
        for (HostAddress a : addresses) {
            locals.putIfAbsent(a.address(), a.iface());
            if (!a.address().isLoopback() && a.prefix() < a.address().family().bits()) {
                routes.add(new RouteEntry(a.subnet(), a.iface(), "unicast", 0, 1));
                if (a.address().isV4() && a.prefix() < 31) {
                    broadcasts.add(Cidr.host(a.subnet().last()));
                }
            }
        }
        for (Network n : networks) {
            if (n.bridge() == null) {
                continue;
            }
            for (IpAddress g : n.gateways()) {
                locals.putIfAbsent(g, n.bridge());
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
                broadcasts.add(r.destination());
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
        routes.sort(Comparator.comparingInt((RouteEntry e) -> -e.destination().prefix())
                .thenComparingInt(e -> -e.priority()).thenComparingInt(RouteEntry::metric));
    }

    public static HostNet of(HostState state, List<IpAddress> extraLocals, List<RouteEntry> extraRoutes) {
        return new HostNet(state.addresses(), state.routes(), state.networks(), extraLocals, extraRoutes);
    }

    public boolean isLocal(IpAddress a) {
        return a.isLoopback() || locals.containsKey(a);
    }

    /** The interface a local address lives on ("lo" for loopback), or null when it is not local. */
    public String localInterface(IpAddress a) {
        String dev = locals.get(a);
        return dev != null ? dev : a.isLoopback() ? "lo" : null;
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
     * The kernel's address type, as -m addrtype sees it. IPv4 consults only the local table (so an address
     * without any route is still UNICAST); IPv6 does a full route lookup (no route is UNREACHABLE).
     * {@code limitDevice} non-null restricts LOCAL to addresses configured on that device.
     */
    public String addressType(IpAddress a, String limitDevice) {
        if (a.isV4()) {
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
            for (Cidr b : broadcasts) {
                if (b.contains(a)) {
                    return "BROADCAST";
                }
            }
            return "UNICAST";
        }
        if ((a.hi() >>> 56) == 0xff) {
            return "MULTICAST";
        }
        String dev = localInterface(a);
        if (dev != null) {
            return limitDevice == null || limitDevice.equals(dev) ? "LOCAL" : "UNICAST";
        }
        RouteEntry r = route(a);
        if (r == null || r.device() == null) {
            return "UNREACHABLE";
        }
        return "UNICAST";
    }

    public List<RouteEntry> routes() {
        return List.copyOf(routes);
    }
}
