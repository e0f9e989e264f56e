package io.cnifix.engine.compare;

import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;

/**
 * A set of first packets that the ruleset treats alike: sources in some address ranges, source ports in one range,
 * destination ports in one range, entering on one interface, to one destination address.
 */
record Box(SourceSet sources, PortRange sourcePorts, PortRange destinationPorts, String inInterface, IpAddress destination) {
}
