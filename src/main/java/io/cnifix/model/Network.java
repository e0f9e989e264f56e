package io.cnifix.model;

import java.util.List;

/**
 * A container network. {@code backend} says who programs its firewall: "cni", "netavark" or "docker".
 * {@code bridge} may be null when no source names it (it is then inferred from addresses and routes).
 * {@code plugins} lists CNI plugin types in order (empty for other backends); {@code firewallBackend},
 * {@code ingressPolicy} and {@code adminChain} come from the CNI firewall plugin ("CNI-ADMIN" by default).
 */
public record Network(String name, Engine engine, String backend, String bridge, List<Cidr> subnets,
                      List<IpAddress> gateways, List<String> plugins, String firewallBackend, String ingressPolicy,
                      String adminChain, boolean internal, String source) {

    public Network {
        subnets = List.copyOf(subnets);
        gateways = List.copyOf(gateways);
        plugins = List.copyOf(plugins);
    }

    public boolean contains(IpAddress address) {
        for (Cidr c : subnets) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
