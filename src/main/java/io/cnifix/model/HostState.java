package io.cnifix.model;

import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;

/**
 * One host as read from a snapshot, files or the live system: rules of both families, networks, containers,
 * their published ports, addresses and routes, notes about what was skipped or kept as unknown, and the
 * native nftables tables (those iptables-save does not show can also filter forwarded packets).
 */
public record HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                        List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes,
                        List<String> notes, List<NftTable> nftTables, List<Ruleset> otherBackEnd, MatchFacts matchFacts) {

    public HostState {
        otherBackEnd = List.copyOf(otherBackEnd);
        matchFacts = matchFacts == null ? MatchFacts.NONE : matchFacts;
        rulesets = List.copyOf(rulesets);
        networks = List.copyOf(networks);
        containers = List.copyOf(containers);
        mappings = List.copyOf(mappings);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        notes = List.copyOf(notes);
        nftTables = List.copyOf(nftTables);
    }

    /**
     * A host without ipsets. {@code otherBackEnd}: rules the other back end (iptables-legacy beside iptables-nft, or the
     * reverse) holds; the kernel runs both on the same hooks, so a packet must pass both.
     */
    public HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                     List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes, List<String> notes,
                     List<NftTable> nftTables, List<Ruleset> otherBackEnd) {
        this(rulesets, networks, containers, mappings, addresses, routes, notes, nftTables, otherBackEnd, MatchFacts.NONE);
    }

    /** A host with one iptables back end. */
    public HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                     List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes,
                     List<String> notes, List<NftTable> nftTables, MatchFacts matchFacts) {
        this(rulesets, networks, containers, mappings, addresses, routes, notes, nftTables, List.of(), matchFacts);
    }

    /** A host with one iptables back end and no ipsets. */
    public HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                     List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes,
                     List<String> notes, List<NftTable> nftTables) {
        this(rulesets, networks, containers, mappings, addresses, routes, notes, nftTables, List.of(), MatchFacts.NONE);
    }

    /** A host whose nftables ruleset is not known. */
    public HostState(List<Ruleset> rulesets, List<Network> networks, List<Container> containers,
                     List<PortMapping> mappings, List<HostAddress> addresses, List<Route> routes, List<String> notes) {
        this(rulesets, networks, containers, mappings, addresses, routes, notes, List.of());
    }

    /** The container with this id, or null. */
    public Container container(String id) {
        for (Container c : containers) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
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
        return new HostState(replaced, networks, containers, mappings, addresses, routes, notes, nftTables, otherBackEnd, matchFacts);
    }

    public HostState withNote(String note) {
        List<String> n = new ArrayList<>(notes);
        n.add(note);
        return new HostState(rulesets, networks, containers, mappings, addresses, routes, n, nftTables, otherBackEnd, matchFacts);
    }

    public HostState withOtherBackEnd(List<Ruleset> other) {
        return new HostState(rulesets, networks, containers, mappings, addresses, routes, notes, nftTables, other, matchFacts);
    }

    public HostState withMatchFacts(MatchFacts facts) {
        return new HostState(rulesets, networks, containers, mappings, addresses, routes, notes, nftTables, otherBackEnd, facts);
    }
}
