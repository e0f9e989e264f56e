package io.cnifix.engine.compare;

import io.cnifix.model.Engine;
import io.cnifix.model.HostState;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;

/**
 * Who lost a port's DNAT and what brings it back. The usual cause is a firewall reload: firewalld 1.3 flushes every
 * iptables table on {@code firewall-cmd --reload}, start and restart (so does {@code systemctl restart iptables}), and
 * only some engines write their rules again by themselves: Docker on firewalld's D-Bus {@code Reloaded} signal;
 * netavark 1.9 and later through {@code netavark-firewalld-reload.service} when it is enabled; netavark below 1.9 and
 * the CNI plugins never.
 */
public final class DnatRestore {
    private DnatRestore() {
    }

    /** The report with the engine and its restoring command added to a missing-dnat why; other reports as they are. */
    static PortReport named(HostState host, PortReport r) {
        if (r.status() != PortStatus.MISSING_DNAT) {
            return r;
        }
        return new PortReport(r.mapping(), r.bridge(), r.status(), r.decidedBy(), r.why() + ": " + hint(host, r.mapping()),
                r.sources());
    }

    /** The engine that lost the port's DNAT and the command that writes it again. */
    public static String hint(HostState host, PortMapping m) {
        if (m.engine() == Engine.DOCKER) {
            return "Docker's DNAT is gone (Docker writes its rules again on firewalld's Reloaded signal; where it did"
                    + " not, 'systemctl restart docker' does)";
        }
        String backend = backendOf(host, m);
        if ("cni".equals(backend)) {
            return "Podman's CNI portmap DNAT is gone (the CNI plugins never write it again by themselves):"
                    + " 'podman network reload --all' restores it";
        }
        if ("netavark".equals(backend)) {
            return "netavark's DNAT is gone: 'podman network reload --all' restores it (netavark below 1.9 never does"
                    + " by itself; 1.9 and later does after a firewalld reload when 'systemctl enable --now"
                    + " netavark-firewalld-reload.service' is on, and 'systemctl restart netavark-firewalld-reload' runs it now)";
        }
        return (m.engine() == Engine.PODMAN ? "Podman's" : "the engine's") + " DNAT is gone: 'podman network reload --all'"
                + " (Podman) or 'systemctl restart docker' (Docker) writes it again";
    }

    private static String backendOf(HostState host, PortMapping m) {
        String found = null;
        for (Network n : host.networks()) {
            if (n.engine() == m.engine() && (n.name().equals(m.network()) || m.containerIp() != null && n.contains(m.containerIp()))) {
                found = n.backend();
                if (n.name().equals(m.network())) {
                    return found;
                }
            }
        }
        return found;
    }
}
