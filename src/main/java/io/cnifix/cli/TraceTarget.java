package io.cnifix.cli;

import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code cnifix trace CONTAINER:PORT[/PROTO]}: the first packet of a new connection from outside to a published
 * port, with what the user did not say taken from the host: the destination is the address the port is bound to,
 * else the host's first outside address; the interface is the one holding that address; the source is a
 * documentation address standing for "somewhere outside".
 */
record TraceTarget(PortMapping mapping, IpAddress destination, String inInterface, boolean standIn) {
    /** TEST-NET-3 (RFC 5737): outside, and never anyone's real address. */
    static final String OUTSIDE_V4 = "203.0.113.9";
    static final String OUTSIDE_V6 = "2001:db8:203::9";
    private static final IpAddress STAND_IN_V4 = IpAddress.parse("198.18.0.1");
    private static final IpAddress STAND_IN_V6 = IpAddress.parse("2001:db8:ffff::1");

    static TraceTarget resolve(String spec, HostState host) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new UsageException("trace takes CONTAINER:PORT[/PROTO] (a published port), got '" + spec + "'");
        }
        String name = spec.substring(0, colon);
        String portText = spec.substring(colon + 1);
        String proto = null;
        int slash = portText.indexOf('/');
        if (slash >= 0) {
            proto = portText.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
            portText = portText.substring(0, slash);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new UsageException("trace " + spec + ": '" + portText + "' is not a port number");
        }
        List<PortMapping> ofContainer = host.mappings().stream()
                .filter(m -> m.containerName().equals(name) || m.containerId().startsWith(name)).toList();
        if (ofContainer.isEmpty()) {
            Set<String> names = host.mappings().stream().map(PortMapping::containerName).collect(Collectors.toCollection(java.util.TreeSet::new));
            throw new UsageException("no published port of a container '" + name + "'"
                    + (names.isEmpty() ? " (no published ports were read)" : "; containers with published ports: " + String.join(", ", names)));
        }
        String p = proto;
        PortMapping m = pick(ofContainer.stream().filter(x -> x.hostPort() == port && (p == null || x.protocol().equals(p))).toList(),
                ofContainer.stream().filter(x -> x.containerPort() == port && (p == null || x.protocol().equals(p))).toList(), spec, ofContainer);
        Family family = m.hostIp() != null ? m.hostIp().family() : m.containerIp() != null ? m.containerIp().family() : Family.V4;
        IpAddress dst = m.hostIp() != null && !m.hostIp().isUnspecified() ? m.hostIp() : outsideAddress(host, family);
        boolean standIn = dst == null;
        if (standIn) {
            dst = family == Family.V4 ? STAND_IN_V4 : STAND_IN_V6;
        }
        IpAddress d = dst;
        String iface = host.addresses().stream().filter(a -> a.address().equals(d)).map(HostAddress::iface).findFirst()
                .orElseGet(() -> firstOutsideInterface(host));
        return new TraceTarget(m, dst, iface, standIn);
    }

    /** A host port first (what a client connects to), else a container port; several left: the user must say. */
    private static PortMapping pick(List<PortMapping> byHostPort, List<PortMapping> byContainerPort, String spec, List<PortMapping> all) {
        List<PortMapping> found = !byHostPort.isEmpty() ? byHostPort : byContainerPort;
        if (found.size() == 1) {
            return found.get(0);
        }
        String ports = all.stream().map(x -> x.hostPort() + "/" + x.protocol()).distinct().collect(Collectors.joining(", "));
        if (found.isEmpty()) {
            throw new UsageException("trace " + spec + ": no such published port; this container publishes " + ports);
        }
        throw new UsageException("trace " + spec + ": more than one port matches (" + ports + "); add /tcp or /udp");
    }

    private static boolean outside(HostState host, String iface) {
        return !iface.equals("lo") && host.networks().stream().map(Network::bridge).noneMatch(iface::equals)
                && !iface.startsWith("veth") && !iface.startsWith("vnet");
    }

    private static IpAddress outsideAddress(HostState host, Family family) {
        for (HostAddress a : host.addresses()) {
            IpAddress ip = a.address();
            boolean linkLocal = ip.isV4() ? ip.toString().startsWith("169.254.") : ip.toString().toLowerCase(java.util.Locale.ROOT).startsWith("fe80:");
            if (ip.family() == family && !ip.isLoopback() && !linkLocal && outside(host, a.iface())) {
                return ip;
            }
        }
        return null;
    }

    private static String firstOutsideInterface(HostState host) {
        return host.addresses().stream().map(HostAddress::iface).filter(i -> outside(host, i)).findFirst().orElse("eth0");
    }
}
