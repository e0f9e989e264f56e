package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * The raw texts that describe one host, before parsing: iptables dumps, port mappings, network configs,
 * {@code ip -j address} and {@code ip -j route} output, notes about what could not be read, and
 * {@code nft -j list ruleset} output (native nftables tables that iptables-save does not show), and cnifix's
 * policy files (what the admin declared for containers' ports).
 */
public record StateSources(List<InputText> rules, List<InputText> ports, List<InputText> networks,
                           List<InputText> addresses, List<InputText> routes, List<String> notes,
                           List<InputText> nft, List<InputText> otherBackEnd, List<InputText> policy) {

    public StateSources {
        otherBackEnd = List.copyOf(otherBackEnd);
        rules = List.copyOf(rules);
        ports = List.copyOf(ports);
        networks = List.copyOf(networks);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        notes = List.copyOf(notes);
        nft = List.copyOf(nft);
        policy = List.copyOf(policy);
    }

    /** Sources without cnifix policy files. */
    public StateSources(List<InputText> rules, List<InputText> ports, List<InputText> networks,
                        List<InputText> addresses, List<InputText> routes, List<String> notes, List<InputText> nft,
                        List<InputText> otherBackEnd) {
        this(rules, ports, networks, addresses, routes, notes, nft, otherBackEnd, List.of());
    }

    /** Sources with one iptables back end; {@code otherBackEnd} holds the other one's dumps (see HostState). */
    public StateSources(List<InputText> rules, List<InputText> ports, List<InputText> networks,
                        List<InputText> addresses, List<InputText> routes, List<String> notes, List<InputText> nft) {
        this(rules, ports, networks, addresses, routes, notes, nft, List.of());
    }

    /** Sources without nftables output. */
    public StateSources(List<InputText> rules, List<InputText> ports, List<InputText> networks,
                        List<InputText> addresses, List<InputText> routes, List<String> notes) {
        this(rules, ports, networks, addresses, routes, notes, List.of(), List.of());
    }

    /**
     * This state with the other iptables back end's dumps. Callers use this rather than the canonical constructor,
     * so that a component added beside this one can never take its place by position.
     */
    public StateSources withOtherBackEnd(List<InputText> other) {
        return new StateSources(rules, ports, networks, addresses, routes, notes, nft, other, policy);
    }

    public static StateSources empty() {
        return new StateSources(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** This state with every list of {@code other} appended. */
    public StateSources plus(StateSources other) {
        return new StateSources(join(rules, other.rules), join(ports, other.ports), join(networks, other.networks),
                join(addresses, other.addresses), join(routes, other.routes), join(notes, other.notes), join(nft, other.nft),
                join(otherBackEnd, other.otherBackEnd), join(policy, other.policy));
    }

    private static <T> List<T> join(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
