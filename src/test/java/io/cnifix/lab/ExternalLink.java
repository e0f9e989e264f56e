package io.cnifix.lab;

import java.util.List;

/**
 * A veth link between the host namespace and a client namespace of its own; probes enter the host through it.
 * Both address lists may mix IPv4 and IPv6 CIDRs. The client's default routes point at the first host address of
 * each family; when {@code defaultRoute} is set, the host's default routes point at the first client address of
 * each family (so packets the host routes "to the internet" arrive in this link's client namespace).
 *
 * @param hostIface   interface name in the host namespace, e.g. "eth0" (at most 15 characters)
 * @param hostCidrs   the host's addresses on this link, e.g. "198.51.100.1/24", "2001:db8:1::1/64"
 * @param clientCidrs the client side's addresses, e.g. "198.51.100.2/24", "2001:db8:1::2/64"
 */
public record ExternalLink(String hostIface, List<String> hostCidrs, List<String> clientCidrs, boolean defaultRoute) {

    public ExternalLink {
        hostCidrs = List.copyOf(hostCidrs);
        clientCidrs = List.copyOf(clientCidrs);
    }
}
