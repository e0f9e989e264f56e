package io.cnifix.engine;

import io.cnifix.model.IpAddress;

/**
 * A tracked connection as its reply packets see it: the original tuple (the client's first packet before any NAT)
 * and what NAT and marks the first packet's way through the hooks left on the conntrack entry. A reply to a client
 * the routes do not know goes back out where the client came in ({@code originalInInterface}). When the first
 * packet was source-NATed to a known address and port ({@code replyDestination}), the reply arrives addressed
 * there and is turned back to the client only at PREROUTING's NAT priority (-100), so raw and mangle see the
 * NAT address; null when there was no SNAT or its address cannot be told.
 */
public record Connection(IpAddress originalSource, IpAddress originalDestination, int originalSourcePort,
                         int originalDestinationPort, boolean destinationNatted, boolean sourceNatted, long connMark,
                         String originalInInterface, IpAddress replyDestination, int replyDestinationPort) {

    public Connection(IpAddress originalSource, IpAddress originalDestination, int originalSourcePort,
                      int originalDestinationPort, boolean destinationNatted, boolean sourceNatted, long connMark,
                      String originalInInterface) {
        this(originalSource, originalDestination, originalSourcePort, originalDestinationPort, destinationNatted,
                sourceNatted, connMark, originalInInterface, null, 0);
    }
}
