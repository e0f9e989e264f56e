package io.cnifix.kernel;

import io.cnifix.engine.HostNet;
import io.cnifix.lab.BridgeSpec;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.model.Cidr;
import io.cnifix.model.Engine;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A lab topology together with what the simulator must know to see the same host: every address the lab gives
 * the host namespace, its routes and its bridges. Also answers what a probe may use: sources that are not the
 * host's own, destinations that do not belong to the sending client.
 */
final class LabWorld {
    final LabTopology topology;
    /** The host namespace's addresses as the kernel has them (loopback included). */
    final List<HostAddress> addresses;
    /** Default routes the lab installs (through the first link marked for it). */
    final List<Route> routes;
    /** One network per bridge, so HostNet routes its subnets to it and knows its gateways. */
    final List<Network> networks;
    /** Container address (canonical text) to the bridge it sits behind. */
    final Map<String, String> members = new LinkedHashMap<>();
    /** Every address the host namespace owns, canonical text: never a probe source. */
    final Set<String> hostOwned = new LinkedHashSet<>();
    /** Per external link, the client side's own link addresses: never a destination of a probe sent from it. */
    final Map<String, Set<String>> clientOwned = new LinkedHashMap<>();

    LabWorld(LabTopology topology) {
        this.topology = topology;
        List<HostAddress> addrs = new ArrayList<>();
        addrs.add(new HostAddress("lo", IpAddress.parse("127.0.0.1"), 8));
        addrs.add(new HostAddress("lo", IpAddress.parse("::1"), 128));
        List<Route> rts = new ArrayList<>();
        boolean defaultTaken = false;
        for (ExternalLink l : topology.externals()) {
            Set<String> client = new LinkedHashSet<>();
            for (String c : l.hostCidrs()) {
                addrs.add(hostAddress(l.hostIface(), c));
            }
            for (String c : l.clientCidrs()) {
                client.add(KernelLab.canonicalAddress(addr(c)));
            }
            clientOwned.put(l.hostIface(), client);
            if (l.defaultRoute() && !defaultTaken) {
                for (String c : l.clientCidrs()) {
                    IpAddress gw = IpAddress.parse(addr(c));
                    rts.add(new Route(Cidr.all(gw.family()), "unicast", l.hostIface(), gw, 0, "main"));
                }
            }
            defaultTaken |= l.defaultRoute();
        }
        List<Network> nets = new ArrayList<>();
        for (BridgeSpec b : topology.bridges()) {
            List<Cidr> subnets = new ArrayList<>();
            List<IpAddress> gateways = new ArrayList<>();
            for (String c : b.gatewayCidrs()) {
                HostAddress a = hostAddress(b.name(), c);
                addrs.add(a);
                subnets.add(a.subnet());
                gateways.add(a.address());
            }
            for (String m : b.memberAddresses()) {
                members.put(KernelLab.canonicalAddress(m), b.name());
            }
            nets.add(new Network(b.name(), Engine.PODMAN, "cni", b.name(), subnets, gateways, List.of("bridge"), null,
                    null, "CNI-ADMIN", false, "lab"));
        }
        for (HostAddress a : addrs) {
            hostOwned.add(KernelLab.canonicalAddress(a.address().toString()));
        }
        this.addresses = List.copyOf(addrs);
        this.routes = List.copyOf(rts);
        this.networks = List.copyOf(nets);
    }

    /** The simulator's view of exactly this lab's host namespace. */
    HostNet hostNet() {
        return new HostNet(addresses, routes, networks, List.of(), List.of());
    }

    /** Whether a probe entering by {@code iface} may be sent from {@code src} to {@code dst}. */
    boolean usable(String iface, String src, String dst) {
        String s = KernelLab.canonicalAddress(src);
        String d = KernelLab.canonicalAddress(dst);
        return !hostOwned.contains(s) && !clientOwned.get(iface).contains(d) && !s.equals(d);
    }

    List<String> externalNames() {
        return topology.externals().stream().map(ExternalLink::hostIface).toList();
    }

    private static HostAddress hostAddress(String iface, String cidr) {
        int slash = cidr.indexOf('/');
        return new HostAddress(iface, IpAddress.parse(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)));
    }

    static String addr(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    /**
     * The fixed host the random rulesets run on: three outside links (two names sharing the "eth" prefix, one not,
     * so wildcards split them), IPv4 and IPv6 on each, and three bridges with container members.
     */
    static LabWorld standard() {
        return new LabWorld(new LabTopology(
                List.of(new ExternalLink("eth0", List.of("198.51.100.1/24", "2001:db8:1::1/64"),
                                List.of("198.51.100.2/24", "2001:db8:1::2/64"), true),
                        new ExternalLink("eth1", List.of("192.0.2.1/24", "2001:db8:2::1/64"),
                                List.of("192.0.2.2/24", "2001:db8:2::2/64"), false),
                        new ExternalLink("ens3", List.of("100.64.0.1/24", "2001:db8:3::1/64"),
                                List.of("100.64.0.2/24", "2001:db8:3::2/64"), false)),
                List.of(new BridgeSpec("cni0", List.of("10.88.0.1/16", "fd00:88::1/64"),
                                List.of("10.88.0.11", "10.88.0.12", "fd00:88::11", "fd00:88::12")),
                        new BridgeSpec("podman1", List.of("10.89.0.1/24", "fd00:89::1/64"),
                                List.of("10.89.0.5", "fd00:89::5")),
                        new BridgeSpec("docker0", List.of("172.17.0.1/16"), List.of("172.17.0.2")))));
    }

    /**
     * A lab reproducing a host state: an outside link per interface holding a global address (its client at the
     * route's gateway when the host has a default route there), a bridge per network with its gateways and every
     * published container address as a member, plus the given extra outside links (interfaces the host state does
     * not list but the rules or the comparer name).
     */
    static LabWorld of(HostState h, List<ExternalLink> extraLinks) {
        Set<String> bridges = new LinkedHashSet<>();
        for (Network n : h.networks()) {
            if (n.bridge() != null) {
                bridges.add(n.bridge());
            }
        }
        Map<String, List<String>> hostCidrs = new LinkedHashMap<>();
        Map<String, List<String>> clientCidrs = new LinkedHashMap<>();
        for (HostAddress a : h.addresses()) {
            boolean linkLocal = !a.address().isV4() && (a.address().hi() >>> 54) == (0xfe80L >>> 6);
            if (a.iface().equals("lo") || bridges.contains(a.iface()) || a.iface().startsWith("veth") || linkLocal
                    || a.prefix() >= a.address().family().bits() - 1) {
                continue;
            }
            hostCidrs.computeIfAbsent(a.iface(), k -> new ArrayList<>()).add(a.address() + "/" + a.prefix());
            IpAddress gw = null;
            for (Route r : h.routes()) {
                if (r.destination().prefix() == 0 && a.iface().equals(r.device()) && r.gateway() != null
                        && a.subnet().contains(r.gateway()) && !r.gateway().equals(a.address())) {
                    gw = r.gateway();
                }
            }
            IpAddress client = gw != null ? gw
                    : a.address().plus(a.address().equals(a.subnet().last().plus(-1)) ? -1 : 1);
            clientCidrs.computeIfAbsent(a.iface(), k -> new ArrayList<>()).add(client + "/" + a.prefix());
        }
        List<ExternalLink> links = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : hostCidrs.entrySet()) {
            boolean dflt = false;
            for (Route r : h.routes()) {
                dflt |= r.destination().prefix() == 0 && e.getKey().equals(r.device());
            }
            links.add(new ExternalLink(e.getKey(), e.getValue(), clientCidrs.get(e.getKey()), dflt));
        }
        links.addAll(extraLinks);
        Map<String, Set<String>> members = new LinkedHashMap<>();
        for (PortMapping m : h.mappings()) {
            for (Network n : h.networks()) {
                if (m.containerIp() != null && n.bridge() != null && n.contains(m.containerIp())) {
                    members.computeIfAbsent(n.bridge(), k -> new LinkedHashSet<>()).add(m.containerIp().toString());
                }
            }
        }
        Map<String, Set<String>> gateways = new LinkedHashMap<>();
        for (Network n : h.networks()) {
            if (n.bridge() == null) {
                continue;
            }
            for (IpAddress g : n.gateways()) {
                for (Cidr s : n.subnets()) {
                    if (s.contains(g)) {
                        gateways.computeIfAbsent(n.bridge(), k -> new LinkedHashSet<>()).add(g + "/" + s.prefix());
                    }
                }
            }
        }
        for (HostAddress a : h.addresses()) {
            boolean linkLocal = !a.address().isV4() && (a.address().hi() >>> 54) == (0xfe80L >>> 6);
            if (bridges.contains(a.iface()) && !linkLocal) {
                gateways.computeIfAbsent(a.iface(), k -> new LinkedHashSet<>()).add(a.address() + "/" + a.prefix());
            }
        }
        List<BridgeSpec> specs = new ArrayList<>();
        for (String b : bridges) {
            specs.add(new BridgeSpec(b, new ArrayList<>(gateways.getOrDefault(b, Set.of())),
                    new ArrayList<>(members.getOrDefault(b, Set.of()))));
        }
        return new LabWorld(new LabTopology(links, specs));
    }
}
