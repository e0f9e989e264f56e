package io.cnifix.lab;

import java.util.List;

/**
 * Where the kernel delivered a probe. Addresses are in canonical text form (IPv6 compressed, lower case) and
 * ports and addresses are as seen on arrival, that is after DNAT and SNAT.
 */
public sealed interface Arrival {

    /**
     * The host routed the packet out of {@code outIface} and it arrived on the far side: a container behind the
     * bridge of that name, or the client side of the external link whose host interface has that name.
     */
    record Forwarded(String outIface, String dst, int dport, String src, int sport) implements Arrival {
    }

    /** The host delivered the packet locally (it passed the INPUT hook). */
    record Local(String dst, int dport, String src, int sport) implements Arrival {
    }

    /** The packet was seen nowhere: dropped, rejected or routed into nothing. */
    record None() implements Arrival {
    }

    /** Seen in more than one place (say, multicast or broadcast); never expected for unicast probes. */
    record Several(List<Arrival> arrivals) implements Arrival {
        public Several {
            arrivals = List.copyOf(arrivals);
        }
    }
}
