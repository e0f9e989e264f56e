package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;
import io.cnifix.engine.Decider;

import java.util.List;

/**
 * New connections from outside that reach a container although Docker would not let them: the container address,
 * protocol, ports, sources (null: every outside source), interfaces, and what let them in.
 */
public record Exposure(IpAddress containerIp, String protocol, List<PortRange> ports, List<Cidr> sources,
                       List<String> interfaces, Decider acceptedBy) {
    public Exposure {
        ports = List.copyOf(ports);
        sources = sources == null ? null : List.copyOf(sources);
        interfaces = List.copyOf(interfaces);
    }
}
