package io.cnifix.lab;

import java.util.List;

/** What {@link KernelLab#create} builds: the external links probes enter by, and the container bridges. */
public record LabTopology(List<ExternalLink> externals, List<BridgeSpec> bridges) {

    public LabTopology {
        externals = List.copyOf(externals);
        bridges = List.copyOf(bridges);
    }
}
