package io.cnifix.model;

import java.util.List;

/**
 * What an admin declared for one container's published ports, by container label or policy file: open them all
 * (Docker's behaviour, the default when nothing is declared), open only {@code ports}, open them only to
 * {@code allowFrom}, or keep them all {@code closed}. {@code origin} names where it was declared, for messages
 * ("label io.cnifix.allow-from on web", "/etc/cnifix/policy.conf:3").
 */
public record Intent(boolean closed, List<PortSpec> ports, List<Cidr> allowFrom, String origin) {
    public static final String LABEL_ALLOW_FROM = "io.cnifix.allow-from";
    public static final String LABEL_PORTS = "io.cnifix.ports";
    public static final String LABEL_SKIP = "io.cnifix.skip";

    public Intent {
        ports = List.copyOf(ports);
        allowFrom = List.copyOf(allowFrom);
    }

    /** One host port, with its protocol or (null) any protocol. */
    public record PortSpec(int hostPort, String protocol) {
        public boolean matches(PortMapping m) {
            return m.hostPort() == hostPort && (protocol == null || protocol.equals(m.protocol()));
        }

        @Override
        public String toString() {
            return hostPort + (protocol == null ? "" : "/" + protocol);
        }
    }

    /** True when the admin wants this mapping kept closed to everyone. */
    public boolean keepsClosed(PortMapping m) {
        return closed || (!ports.isEmpty() && ports.stream().noneMatch(p -> p.matches(m)));
    }

    /** True when the mapping is to be open only to some sources. */
    public boolean restricts(PortMapping m) {
        return !keepsClosed(m) && !allowFrom.isEmpty();
    }

    /** The sources of {@code family} this mapping may be opened to (empty: none of that family are allowed). */
    public List<Cidr> allowed(Family family) {
        return allowFrom.stream().filter(c -> c.family() == family).toList();
    }
}
