package io.cnifix.remedy;

import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Rule;
import io.cnifix.model.Side;

/**
 * The mark cnifix puts on every rule it adds, and how it reads its own rules back: the comment
 * "cnifix: NAME PROTO/HOSTPORT", plus the rule's container address and port.
 */
public final class OwnedRule {
    public static final String PREFIX = "cnifix: ";
    private static final int MAX_COMMENT = 255;

    private OwnedRule() {
    }

    /** The comment text for a mapping; control characters become '?' and the text is cut to what iptables keeps. */
    public static String comment(PortMapping m) {
        String name = m.containerName() == null || m.containerName().isEmpty()
                ? (m.containerId() == null ? "unnamed" : m.containerId().substring(0, Math.min(12, m.containerId().length())))
                : m.containerName();
        String suffix = " " + m.protocol() + "/" + m.hostPort();
        String n = fit(name, MAX_COMMENT - PREFIX.length() - suffix.length());
        return PREFIX + n + suffix;
    }

    /**
     * The longest prefix of {@code name} (control characters as '?') whose UTF-8 form fits in {@code room} bytes,
     * cut only between code points: half a surrogate pair would come back from the kernel as something else.
     */
    static String fit(String name, int room) {
        StringBuilder out = new StringBuilder();
        int used = 0;
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isISOControl(c) || Character.isSurrogate((char) c) && c < 0x10000) {
                c = '?';
            }
            int bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (used + bytes > room) {
                break;
            }
            used += bytes;
            out.appendCodePoint(c);
        }
        return out.toString();
    }

    public static boolean isOwned(Rule r) {
        String c = r.comment();
        return c != null && c.startsWith(PREFIX);
    }

    /** The container address, protocol, container port and (if present) original host port an owned rule opens. */
    /** What an owned rule opens: a container's port (first rule), its answers (return path), or a rootless host port (INPUT). */
    public enum Kind { FORWARD, REPLY, INPUT }

    /**
     * The address, protocol and ports an owned rule opens. FORWARD: container address and port, and the original
     * host port when present; REPLY: container address and the original host port; INPUT: the host port and, when the
     * rule names one, the host address.
     */
    public record Key(Kind kind, IpAddress containerIp, String protocol, Integer containerPort, Integer hostPort) {
        public Key(IpAddress containerIp, String protocol, Integer containerPort, Integer hostPort) {
            this(Kind.FORWARD, containerIp, protocol, containerPort, hostPort);
        }

        public boolean isInput() {
            return kind == Kind.INPUT;
        }

        public boolean covers(PortMapping m) {
            return switch (kind) {
                case INPUT -> protocol.equals(m.protocol()) && hostPort == m.hostPort()
                        && (containerIp == null || containerIp.equals(m.hostIp()));
                case REPLY -> containerIp.equals(m.containerIp()) && protocol.equals(m.protocol())
                        && hostPort != null && hostPort == m.hostPort();
                case FORWARD -> containerIp.equals(m.containerIp()) && protocol.equals(m.protocol())
                        && containerPort != null && containerPort == m.containerPort()
                        && (hostPort == null || hostPort == m.hostPort());
            };
        }
    }

    /**
     * True for a return-path rule (the container's answers: its address as source, its port as source port), which
     * carries the same comment as the port's first rule.
     */
    public static boolean isReply(Rule r) {
        boolean inBridge = false;
        boolean outElsewhere = false;
        for (Match m : r.matches()) {
            if (m instanceof Match.Interface f) {
                inBridge |= f.side() == Side.SOURCE && !f.negated();
                outElsewhere |= f.side() == Side.DESTINATION && f.negated();
            }
        }
        return inBridge && outElsewhere;
    }

    /** The outside sources an owned rule is narrowed to (-s of a first rule, -d of a return-path rule), or null. */
    public static io.cnifix.model.Cidr client(Rule r) {
        Side side = isReply(r) ? Side.DESTINATION : Side.SOURCE;
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && a.side() == side && !a.negated()) {
                return a.cidr();
            }
        }
        return null;
    }

    public static Key key(Rule r) {
        Facts f = Facts.of(r);
        if (r.chain().equals("INPUT")) {
            return f.protocol == null || f.destinationPort == null ? null
                    : new Key(Kind.INPUT, f.destination, f.protocol, null, f.destinationPort);
        }
        if (isReply(r)) {
            return f.source == null || f.ctProtocol == null || f.originalPort == null ? null
                    : new Key(Kind.REPLY, f.source, f.ctProtocol, null, f.originalPort);
        }
        return f.destination == null || f.protocol == null ? null
                : new Key(f.destination, f.protocol, f.destinationPort, f.originalPort);
    }

    /** The plain tests an owned rule makes, read once: host addresses, protocol, destination port, original port. */
    private static final class Facts {
        IpAddress source;
        IpAddress destination;
        String protocol;
        String ctProtocol;
        Integer destinationPort;
        Integer originalPort;

        static Facts of(Rule r) {
            Facts f = new Facts();
            for (Match m : r.matches()) {
                if (m instanceof Match.Address a && !a.negated() && a.cidr().isHost()) {
                    if (a.side() == Side.SOURCE) {
                        f.source = a.cidr().base();
                    } else {
                        f.destination = a.cidr().base();
                    }
                } else if (m instanceof Match.Protocol p && !p.negated()) {
                    f.protocol = p.name();
                } else if (m instanceof Match.Ports p) {
                    for (Match.PortCondition c : p.conditions()) {
                        if (c instanceof Match.PortIs pi && pi.side() == Side.DESTINATION && !pi.negated()) {
                            f.destinationPort = pi.range().first();
                        }
                    }
                } else if (m instanceof Match.Conntrack ct) {
                    for (Match.CtCondition c : ct.conditions()) {
                        if (c instanceof Match.CtProto p && !p.negated()) {
                            f.ctProtocol = switch (p.number()) {
                                case 6 -> "tcp";
                                case 17 -> "udp";
                                case 132 -> "sctp";
                                default -> null;
                            };
                        } else if (c instanceof Match.CtPort cp && !cp.reply() && cp.side() == Side.DESTINATION && !cp.negated()) {
                            f.originalPort = cp.range().first();
                        }
                    }
                }
            }
            return f;
        }
    }
}
