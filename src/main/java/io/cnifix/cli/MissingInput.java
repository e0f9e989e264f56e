package io.cnifix.cli;

import io.cnifix.engine.Decider;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.List;

/**
 * Ports that cannot be judged because an input is missing, so that diff and suggest give the same answer for the
 * same host: without the container's network the engine finds "no route" to it, which is a gap in the files given,
 * not in the host. Both commands call such a port unknown (exit 5) and name the input to give.
 */
final class MissingInput {
    static final String NETWORKS_HINT = "give --networks FILE (a CNI conflist, netavark network JSON\n"
            + "or docker network inspect), or use --snapshot DIR";

    private MissingInput() {
    }

    /** The report with every port whose bridge is unknown and whose only fault is routing turned unknown. */
    static DiffReport adjust(DiffReport r) {
        List<PortReport> ports = new ArrayList<>();
        boolean changed = false;
        for (PortReport p : r.ports()) {
            if (p.bridge() == null && p.status() == PortStatus.GAP && p.decidedBy() instanceof Decider.ByRouting) {
                ports.add(new PortReport(p.mapping(), null, PortStatus.UNKNOWN, p.decidedBy(),
                        "not judged: the container's network is not known (" + p.why() + ")", p.sources()));
                changed = true;
            } else {
                ports.add(p);
            }
        }
        return changed ? new DiffReport(ports, r.exposures(), r.findings()) : r;
    }

    /** Whether any port of {@code r} was left unknown for want of its network. */
    static boolean networks(DiffReport r) {
        return r.ports().stream().anyMatch(p -> p.status() == PortStatus.UNKNOWN && p.bridge() == null
                && p.decidedBy() instanceof Decider.ByRouting);
    }

    /** The published ports (not bound to loopback) whose container sits in no network known to have a bridge. */
    static List<PortMapping> unplaced(HostState host) {
        List<PortMapping> out = new ArrayList<>();
        for (PortMapping m : host.mappings()) {
            boolean loopback = m.hostIp() != null && m.hostIp().toString().startsWith("127.") || "::1".equals(String.valueOf(m.hostIp()));
            if (!loopback && m.containerIp() != null
                    && host.networks().stream().noneMatch(n -> n.bridge() != null && n.contains(m.containerIp()))) {
                out.add(m);
            }
        }
        return out;
    }
}
