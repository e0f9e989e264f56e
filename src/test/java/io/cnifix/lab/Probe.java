package io.cnifix.lab;

/**
 * The first packet of one new connection: a TCP SYN or one UDP datagram, sent from the client side of the link
 * whose host end is {@code hostIface}, so that it enters the host namespace on that interface.
 *
 * @param src   any unicast address of the family of {@code dst} except the host's own addresses on that link;
 *              the lab adds it to the client side when needed
 * @param sport 0 lets the lab pick a port; otherwise (proto, sport) must be unique within one
 *              {@link KernelLab#probe} call, because that pair is how arrivals are matched to probes
 */
public record Probe(String id, String hostIface, String proto, String src, int sport, String dst, int dport) {

    public Probe {
        if (!proto.equals("tcp") && !proto.equals("udp")) {
            throw new IllegalArgumentException("proto must be tcp or udp: " + proto);
        }
        if (sport < 0 || sport > 65535 || dport < 1 || dport > 65535) {
            throw new IllegalArgumentException("bad port in probe " + id);
        }
    }

    Probe withSport(int port) {
        return new Probe(id, hostIface, proto, src, port, dst, dport);
    }
}
