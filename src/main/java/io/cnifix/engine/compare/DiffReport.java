package io.cnifix.engine.compare;

import java.util.List;

/** Everything {@code cnifix diff} reports. */
public record DiffReport(List<PortReport> ports, List<Exposure> exposures, List<Finding> findings) {
    public DiffReport {
        ports = List.copyOf(ports);
        exposures = List.copyOf(exposures);
        findings = List.copyOf(findings);
    }

    public long count(PortStatus s) {
        return ports.stream().filter(p -> p.status() == s).count();
    }

    /** Whether anything needs fixing: a gap, a missing DNAT or an exposure. */
    public boolean needsFixing() {
        return count(PortStatus.GAP) > 0 || count(PortStatus.MISSING_DNAT) > 0 || !exposures.isEmpty()
                || findings.stream().anyMatch(f -> f.kind().equals(Findings.MISPLACED));
    }
}
