package io.cnifix.engine;

import io.cnifix.model.IpAddress;

/**
 * The packet as it changes on its way through the hooks of one explored branch: NAT rewrites, marks, the
 * conntrack entry. Mutable on purpose and private to one simulation branch.
 */
final class Flow {
    final Packet packet;
    IpAddress source;
    IpAddress destination;
    int sourcePort;
    int destinationPort;
    String inInterface;
    String outInterface;
    long mark;
    long connMark;
    /** False in raw PREROUTING (conntrack runs after it) and for untracked or INVALID packets. */
    boolean hasConntrack;
    boolean untracked;
    boolean destinationNatted;
    boolean sourceNatted;
    /** The hook being traversed; addrtype's --limit-iface-* and nat targets look at it. */
    Hook hook;
    /**
     * The connection's original tuple (what --ctorigsrc, --ctorigdstport and {@code ct original ...} read). For a
     * first packet it is the packet itself; for a reply it is the connection the reply belongs to.
     */
    IpAddress origSource;
    IpAddress origDestination;
    int origSourcePort;
    int origDestinationPort;
    /** True for a packet of the reply direction (ct direction reply). */
    boolean reply;
    /**
     * A first packet: where its SNAT or MASQUERADE put the source (null when none did, or it cannot be told).
     * A reply: non-null while it is still addressed there, before PREROUTING's NAT turns it back to the client.
     */
    IpAddress natSource;
    int natSourcePort;
    /**
     * Entries this packet itself put in recent lists on its way (list name and masked address to the number of
     * timestamps): with no history from before, these are the only ones there.
     */
    final java.util.Map<String, Integer> recentEntries = new java.util.HashMap<>();

    Flow(Packet p) {
        this.packet = p;
        this.source = p.source();
        this.destination = p.destination();
        this.sourcePort = p.sourcePort();
        this.destinationPort = p.destinationPort();
        this.inInterface = p.inInterface();
        this.mark = p.mark();
        this.origSource = p.source();
        this.origDestination = p.destination();
        this.origSourcePort = p.sourcePort();
        this.origDestinationPort = p.destinationPort();
    }

    /** A reply packet {@code p} of the connection {@code c}: the conntrack entry exists and carries c's NAT. */
    Flow(Packet p, Connection c) {
        this(p);
        this.reply = true;
        this.origSource = c.originalSource();
        this.origDestination = c.originalDestination();
        this.origSourcePort = c.originalSourcePort();
        this.origDestinationPort = c.originalDestinationPort();
        this.destinationNatted = c.destinationNatted();
        this.sourceNatted = c.sourceNatted();
        this.connMark = c.connMark();
        if (c.sourceNatted() && c.replyDestination() != null) {
            this.natSource = c.replyDestination();
            this.natSourcePort = c.replyDestinationPort();
            this.destination = c.replyDestination();
            this.destinationPort = c.replyDestinationPort();
        }
    }

    /** Everything a hook's rules can change or read of this packet, to run a group of base chains twice. */
    record Saved(IpAddress source, IpAddress destination, int sourcePort, int destinationPort, String inInterface,
                 String outInterface, long mark, long connMark, boolean hasConntrack, boolean untracked,
                 boolean destinationNatted, boolean sourceNatted, Hook hook, IpAddress origSource,
                 IpAddress origDestination, int origSourcePort, int origDestinationPort, boolean reply,
                 IpAddress natSource, int natSourcePort, java.util.Map<String, Integer> recentEntries) {
    }

    Saved save() {
        return new Saved(source, destination, sourcePort, destinationPort, inInterface, outInterface, mark, connMark,
                hasConntrack, untracked, destinationNatted, sourceNatted, hook, origSource, origDestination,
                origSourcePort, origDestinationPort, reply, natSource, natSourcePort,
                recentEntries.isEmpty() ? java.util.Map.of() : java.util.Map.copyOf(recentEntries));
    }

    void restore(Saved s) {
        source = s.source;
        destination = s.destination;
        sourcePort = s.sourcePort;
        destinationPort = s.destinationPort;
        inInterface = s.inInterface;
        outInterface = s.outInterface;
        mark = s.mark;
        connMark = s.connMark;
        hasConntrack = s.hasConntrack;
        untracked = s.untracked;
        destinationNatted = s.destinationNatted;
        sourceNatted = s.sourceNatted;
        hook = s.hook;
        origSource = s.origSource;
        origDestination = s.origDestination;
        origSourcePort = s.origSourcePort;
        origDestinationPort = s.origDestinationPort;
        reply = s.reply;
        natSource = s.natSource;
        natSourcePort = s.natSourcePort;
        recentEntries.clear();
        recentEntries.putAll(s.recentEntries);
    }

    /** A reply's reverse SNAT, which the NAT hook of PREROUTING does before routing whatever the rules. */
    void undoSourceNat() {
        if (reply && natSource != null && !untracked) {
            destination = origSource;
            destinationPort = origSourcePort;
            natSource = null;
        }
    }

    /** The conntrack state bit names this packet has now, as -m conntrack --ctstate sees them. */
    boolean stateIs(String name) {
        if (!hasConntrack) {
            return name.equals(untracked ? "UNTRACKED" : "INVALID");
        }
        return switch (name) {
            case "DNAT" -> destinationNatted;
            case "SNAT" -> sourceNatted;
            default -> name.equals(packet.state());
        };
    }

    /** conntrack status bits among EXPECTED=1, SEEN_REPLY=2, ASSURED=4, CONFIRMED=8. */
    int statusBits() {
        if (reply) {
            // The first reply sets SEEN_REPLY before any hook; ASSURED comes with the handshake's last ACK.
            return 2 | 8;
        }
        return switch (packet.state()) {
            case "ESTABLISHED" -> 2 | 4 | 8;
            case "RELATED" -> 1 | 8;
            default -> 0;
        };
    }
}
