package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * The raw texts that describe one host, before parsing: iptables dumps, port mappings, network configs,
 * {@code ip -j address} and {@code ip -j route} output, and notes about what could not be read.
 */
public record StateSources(List<InputText> rules, List<InputText> ports, List<InputText> networks,
                           List<InputText> addresses, List<InputText> routes, List<String> notes) {

    public StateSources {
        rules = List.copyOf(rules);
        ports = List.copyOf(ports);
        networks = List.copyOf(networks);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        notes = List.copyOf(notes);
    }

    public static StateSources empty() {
        return new StateSources(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** This state with every list of {@code other} appended. */
    public StateSources plus(StateSources other) {
        return new StateSources(join(rules, other.rules), join(ports, other.ports), join(networks, other.networks),
                join(addresses, other.addresses), join(routes, other.routes), join(notes, other.notes));
    }

    private static <T> List<T> join(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
