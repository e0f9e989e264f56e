package io.cnifix.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code ip -batch} lines that wire a lab, per namespace, in the order the namespaces must run them: the host
 * first, because it creates the veth pairs whose far ends the others then configure. Nothing runs here.
 * <p>
 * Every neighbour entry is permanent, so no ARP or ND is ever needed: an ip6tables ruleset that drops ICMPv6 would
 * otherwise break neighbour discovery and make every IPv6 probe look dropped.
 */
final class Plumbing {

    /** The client side of each external link, each in a namespace of its own. */
    static final String CLIENT_IFACE = "eth0";

    private Plumbing() {
    }

    /** The containers-namespace end of bridge {@code i}'s port; the host end is {@code cfxport<i>}. */
    static String port(int bridge) {
        return "b" + bridge;
    }

    static Map<String, List<String>> batches(LabTopology t, String hostNs, String ctrNs, List<String> clientNs) {
        List<String> host = new ArrayList<>(List.of("link set lo up"));
        List<String> ctr = new ArrayList<>(List.of("link set lo up"));
        Map<String, List<String>> out = new LinkedHashMap<>();
        out.put(hostNs, host);
        out.put(ctrNs, ctr);
        boolean defaultRouteTaken = false;
        for (int i = 0; i < t.externals().size(); i++) {
            ExternalLink l = t.externals().get(i);
            String hostMac = mac(1, i);
            String clientMac = mac(2, i);
            host.add("link add " + l.hostIface() + " address " + hostMac + " type veth peer name " + CLIENT_IFACE
                    + " address " + clientMac + " netns " + clientNs.get(i));
            host.add("link set " + l.hostIface() + " up");
            List<String> client = new ArrayList<>(List.of("link set lo up", "link set " + CLIENT_IFACE + " up"));
            for (String cidr : l.hostCidrs()) {
                host.add(addrAdd(cidr, l.hostIface()));
                client.add(neighbour(addr(cidr), hostMac, CLIENT_IFACE));
            }
            for (String cidr : l.clientCidrs()) {
                client.add(addrAdd(cidr, CLIENT_IFACE));
                host.add(neighbour(addr(cidr), clientMac, l.hostIface()));
            }
            for (boolean v6 : new boolean[] {false, true}) {
                String hostGw = first(l.hostCidrs(), v6);
                if (hostGw != null) {
                    client.add("route add default via " + hostGw + " dev " + CLIENT_IFACE);
                }
                String clientGw = first(l.clientCidrs(), v6);
                if (l.defaultRoute() && !defaultRouteTaken && clientGw != null) {
                    host.add("route add default via " + clientGw + " dev " + l.hostIface());
                }
            }
            defaultRouteTaken |= l.defaultRoute();
            out.put(clientNs.get(i), client);
        }
        for (int i = 0; i < t.bridges().size(); i++) {
            BridgeSpec b = t.bridges().get(i);
            String hostPort = "cfxport" + i;
            host.add("link add " + b.name() + " address " + mac(5, i) + " type bridge");
            host.add("link add " + hostPort + " address " + mac(3, i) + " type veth peer name " + port(i)
                    + " address " + mac(4, i) + " netns " + ctrNs);
            host.add("link set " + hostPort + " master " + b.name());
            host.add("link set " + hostPort + " up");
            host.add("link set " + b.name() + " up");
            for (String cidr : b.gatewayCidrs()) {
                host.add(addrAdd(cidr, b.name()));
            }
            ctr.add("link set " + port(i) + " up");
            for (String member : b.memberAddresses()) {
                // Members carry their addresses too, so a probe to them is as real as it gets.
                ctr.add(addrAdd(member + (member.contains(":") ? "/128" : "/32"), port(i)));
                host.add(neighbour(member, mac(4, i), b.name()));
                if (!member.contains(":")) {
                    ctr.add(memberRule(member, i));
                }
            }
            for (String cidr : b.gatewayCidrs()) {
                String gw = addr(cidr);
                ctr.add(neighbour(gw, mac(5, i), port(i)));
                ctr.add("route add " + (gw.contains(":") ? "::/0" : "0.0.0.0/0") + " via " + gw + " dev " + port(i)
                        + " onlink table " + (100 + i));
            }
        }
        return out;
    }

    /**
     * The containers namespace's IPv6 policy rules, for an {@code ip -6 -batch} of their own: a batch line cannot
     * name its family, and {@code ip rule} takes IPv4 unless told.
     */
    static List<String> containerV6Rules(LabTopology t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.bridges().size(); i++) {
            for (String member : t.bridges().get(i).memberAddresses()) {
                if (member.contains(":")) {
                    out.add(memberRule(member, i));
                }
            }
        }
        return out;
    }

    /** A member answers through its own bridge's gateway, as a container does (KernelLab.connect). */
    private static String memberRule(String member, int bridge) {
        return "rule add from " + member + " table " + (100 + bridge);
    }

    /** Locally administered MACs; they only need to be unique within one lab. */
    private static String mac(int kind, int index) {
        return String.format("02:cf:00:00:%02x:%02x", kind, index);
    }

    private static String neighbour(String address, String mac, String dev) {
        return "neigh replace " + address + " lladdr " + mac + " dev " + dev + " nud permanent";
    }

    static String addr(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    /** IPv6 addresses skip duplicate address detection, which would leave them unusable for a second or more. */
    static String addrAdd(String cidr, String dev) {
        return "addr add " + cidr + " dev " + dev + (cidr.contains(":") ? " nodad" : "");
    }

    private static String first(List<String> cidrs, boolean v6) {
        for (String c : cidrs) {
            if (c.contains(":") == v6) {
                return addr(c);
            }
        }
        return null;
    }
}
