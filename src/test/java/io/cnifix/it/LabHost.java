package io.cnifix.it;

import io.cnifix.lab.BridgeSpec;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.LabTopology;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A kernel-lab topology that reproduces a snapshot's host: its outside links, bridges and container addresses. */
final class LabHost {
    private LabHost() {
    }

    static LabTopology of(HostState h, List<String> extraMembers) {
        Map<String, Set<String>> members = new LinkedHashMap<>();
        Map<String, List<String>> gateways = new LinkedHashMap<>();
        Set<String> bridges = new LinkedHashSet<>();
        for (Network n : h.networks()) {
            if (n.bridge() != null) {
                bridges.add(n.bridge());
            }
        }
        for (HostAddress a : h.addresses()) {
            if (bridges.contains(a.iface())) {
                gateways.computeIfAbsent(a.iface(), k -> new ArrayList<>()).add(a.address() + "/" + a.prefix());
            }
        }
        for (PortMapping m : h.mappings()) {
            for (Network n : h.networks()) {
                if (m.containerIp() != null && n.contains(m.containerIp()) && n.bridge() != null) {
                    members.computeIfAbsent(n.bridge(), k -> new LinkedHashSet<>()).add(m.containerIp().toString());
                }
            }
        }
        for (String extra : extraMembers) {
            for (Network n : h.networks()) {
                if (n.bridge() != null && n.contains(IpAddress.parse(extra))) {
                    members.computeIfAbsent(n.bridge(), k -> new LinkedHashSet<>()).add(extra);
                }
            }
        }
        List<BridgeSpec> specs = new ArrayList<>();
        for (String b : bridges) {
            specs.add(new BridgeSpec(b, gateways.getOrDefault(b, List.of()), new ArrayList<>(members.getOrDefault(b, Set.of()))));
        }
        List<ExternalLink> links = new ArrayList<>();
        for (HostAddress a : h.addresses()) {
            if (a.address().isV4() && !a.iface().equals("lo") && !bridges.contains(a.iface()) && a.prefix() < 31) {
                IpAddress client = a.address().plus(a.address().equals(a.subnet().last().plus(-1)) ? -1 : 1);
                links.add(new ExternalLink(a.iface(), List.of(a.address() + "/" + a.prefix()), List.of(client + "/" + a.prefix()), links.isEmpty()));
            }
        }
        return new LabTopology(links, specs);
    }

    /** The host's first outside IPv4 address and its interface. */
    static HostAddress outside(HostState h, LabTopology t) {
        String iface = t.externals().get(0).hostIface();
        return h.addresses().stream().filter(a -> a.iface().equals(iface) && a.address().isV4()).findFirst().orElseThrow();
    }
}
