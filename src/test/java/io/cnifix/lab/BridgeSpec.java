package io.cnifix.lab;

import java.util.List;

/**
 * A Linux bridge in the lab's host namespace.
 *
 * @param name            interface name in the host namespace, e.g. "cni0" or "podman0" (at most 15 characters)
 * @param gatewayCidrs    the bridge's own addresses, IPv4 and/or IPv6, e.g. "10.88.0.1/16", "fd00:88::1/64"
 * @param memberAddresses container addresses (no prefix) that exist behind the bridge, e.g. "10.88.0.11"
 */
public record BridgeSpec(String name, List<String> gatewayCidrs, List<String> memberAddresses) {

    public BridgeSpec {
        gatewayCidrs = List.copyOf(gatewayCidrs);
        memberAddresses = List.copyOf(memberAddresses);
    }
}
