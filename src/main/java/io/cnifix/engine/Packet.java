package io.cnifix.engine;

import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;

/**
 * The first packet of a connection as it arrives on {@code inInterface}. {@code protocol} is the IANA number
 * (6 tcp, 17 udp, 132 sctp, 1 icmp, 58 icmpv6); ports are 0 for protocols without ports. {@code state} is the
 * conntrack state the packet has: NEW for a first packet, or ESTABLISHED/RELATED/INVALID for a what-if trace.
 */
public record Packet(String inInterface, IpAddress source, IpAddress destination, int protocol, int sourcePort,
                     int destinationPort, String state, long mark) {

    public Packet {
        if (source.family() != destination.family()) {
            throw new IllegalArgumentException("source " + source + " and destination " + destination + " differ in family");
        }
    }

    public static Packet newConnection(String in, IpAddress src, IpAddress dst, int protocol, int sport, int dport) {
        return new Packet(in, src, dst, protocol, sport, dport, "NEW", 0);
    }

    public Family family() {
        return source.family();
    }

    public boolean hasPorts() {
        return protocol == 6 || protocol == 17 || protocol == 132 || protocol == 136 || protocol == 33;
    }

    public static String protocolName(int number) {
        return switch (number) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 132 -> "sctp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            default -> Integer.toString(number);
        };
    }

    public static int protocolNumber(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "sctp" -> 132;
            case "icmp" -> 1;
            case "icmpv6", "ipv6-icmp", "icmp6" -> 58;
            default -> throw new IllegalArgumentException("unknown protocol '" + name + "' (expected tcp, udp, sctp or icmp)");
        };
    }
}
