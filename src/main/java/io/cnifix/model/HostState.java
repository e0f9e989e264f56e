package io.cnifix.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One host as read from a snapshot, files or the live system: rules of both families, networks, containers,
 * their published ports, addresses and routes, and notes about what was skipped or kept as unknown.
 */
public record HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                        List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes,
                        List<String> notes) {

    public HostState {
        rulesets = List.copyOf(rulesets);
        networks = List.copyOf(networks);
        containers = List.copyOf(containers);
        mappings = List.copyOf(mappings);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        notes = List.copyOf(notes);
    }

    public Ruleset ruleset(Family family) {
        for (Ruleset r : rulesets) {
            if (r.family() == family) {
                return r;
            }
        }
        return null;
    }

    public HostState withRulesets(List<Ruleset> replaced) {
        return new HostState(replaced, networks, containers, mappings, addresses, routes, notes);
    }

    public HostState withNote(String note) {
        List<String> n = new ArrayList<>(notes);
        n.add(note);
        return new HostState(rulesets, networks, containers, mappings, addresses, routes, n);
    }
}
