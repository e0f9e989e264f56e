package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Intent;
import io.cnifix.model.PortMapping;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a port's verdict in the light of what the admin declared for its container: a port kept closed on purpose
 * is {@code blocked} (by the declaration, named), a port opened only to some sources is judged for those sources
 * alone, the others being kept out on purpose. cnifix only ever opens: a port the host already lets everyone reach
 * stays {@code ok}, with the declaration noted.
 */
final class IntentJudge {
    private final Map<String, Intent> byContainer = new HashMap<>();

    IntentJudge(List<Container> containers) {
        for (Container c : containers) {
            if (c.intent() != null) {
                byContainer.put(c.id(), c.intent());
            }
        }
    }

    PortReport apply(PortReport r) {
        Intent i = byContainer.get(r.mapping().containerId());
        if (i == null || r.status() == PortStatus.NOT_EXPOSED || r.status() == PortStatus.MISSING_DNAT
                || r.status() == PortStatus.UNKNOWN) {
            return r;
        }
        PortMapping m = r.mapping();
        if (i.keepsClosed(m)) {
            if (r.status() == PortStatus.OK) {
                return with(r, PortStatus.OK, r.why() + "; declared closed (" + i.origin() + "), but the host lets it in:"
                        + " cnifix only opens ports, it never closes them");
            }
            return with(r, PortStatus.BLOCKED, "kept closed on purpose (" + i.origin() + ")");
        }
        if (!i.restricts(m)) {
            return r;
        }
        List<Cidr> allowed = i.allowed(m.containerIp() == null ? io.cnifix.model.Family.V4 : m.containerIp().family());
        if (allowed.isEmpty()) {
            return r.status() == PortStatus.OK ? r
                    : with(r, PortStatus.BLOCKED, "kept closed on purpose: " + i.origin() + " allows no source of this address family");
        }
        boolean gap = false;
        boolean adminBlock = false;
        boolean accepted = false;
        for (SourceGroup g : r.sources()) {
            if (!overlaps(g.sources(), allowed)) {
                continue;
            }
            switch (g.outcome()) {
                case "accept" -> accepted = true;
                case "drop", "reject" -> {
                    if (g.admin()) {
                        adminBlock = true;
                    } else {
                        gap = true;
                    }
                }
                default -> {
                    return r; // unknown or misrouted for allowed sources: the verdict without intent says why
                }
            }
        }
        String to = String.join(", ", allowed.stream().map(Cidr::toString).toList());
        if (gap) {
            return with(r, PortStatus.GAP, "dropped for sources it is declared open to (" + to + ", " + i.origin() + "): " + r.why());
        }
        if (adminBlock && !accepted) {
            return with(r, PortStatus.BLOCKED, r.why());
        }
        if (r.status() == PortStatus.OK) {
            return with(r, PortStatus.OK, r.why() + "; declared open only to " + to + " (" + i.origin()
                    + "), but the host lets every outside source in: cnifix only opens ports, it never closes them");
        }
        return with(r, PortStatus.OK, "open to " + to + " as declared (" + i.origin() + "); other sources are kept out on purpose");
    }

    private static PortReport with(PortReport r, PortStatus s, String why) {
        return new PortReport(r.mapping(), r.bridge(), s, r.decidedBy(), why, r.sources());
    }

    /** Whether a group's sources (null: every outside source) share an address with the allowed ones. */
    private static boolean overlaps(List<Cidr> sources, List<Cidr> allowed) {
        if (sources == null) {
            return true;
        }
        for (Cidr s : sources) {
            for (Cidr a : allowed) {
                if (s.family() == a.family() && (s.contains(a.base()) || a.contains(s.base()))) {
                    return true;
                }
            }
        }
        return false;
    }
}
