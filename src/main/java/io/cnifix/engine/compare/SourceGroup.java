package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;

import java.util.List;

/**
 * The packets of one published port that share a fate. {@code outcome}: "accept", "drop", "reject", "unknown",
 * "no-dnat" (not taken to the container) or "misrouted". {@code sources} null means every outside source.
 */
public record SourceGroup(String outcome, boolean admin, Decider decidedBy, List<Cidr> sources, List<String> interfaces,
                          List<IpAddress> destinations) {
    public SourceGroup {
        sources = sources == null ? null : List.copyOf(sources);
        interfaces = List.copyOf(interfaces);
        destinations = List.copyOf(destinations);
    }
}
