package io.cnifix.engine;

import io.cnifix.model.IpAddress;

/**
 * A tracked connection as its reply packets see it: the original tuple (the client's first packet before any NAT)
 * and what NAT and marks the first packet's way through the hooks left on the conntrack entry. A reply to a client
 * the routes do not know goes back out where the client came in ({@code originalInInterface}).
 */
public record Connection(IpAddress originalSource, IpAddress originalDestination, int originalSourcePort,
                         int originalDestinationPort, boolean destinationNatted, boolean sourceNatted, long connMark,
                         String originalInInterface) {
}
