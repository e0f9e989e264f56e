package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.PortMapping;

import java.util.List;

/** The verdict on one published port: its status, what decides it, why, and per group of sources their fate. */
public record PortReport(PortMapping mapping, String bridge, PortStatus status, Decider decidedBy, String why,
                         List<SourceGroup> sources) {
    public PortReport {
        sources = List.copyOf(sources);
    }
}
