package io.cnifix.watch;

import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.Container;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code podman inspect} changes about a start that was opened from the engine's DNAT rules and the event's
 * labels: the rules opened for mappings the engine does not have ({@code prune}; all of them when what cnifix decides
 * from differs, since a rule opened to everyone also "covers" a port that is to be open to some sources only), and
 * whether the inspected container is to be applied again. Pure.
 */
record Correction(List<PortMapping> prune, boolean reapply, String why) {
    Correction {
        prune = List.copyOf(prune);
    }

    /** Null when the inspect agrees with what was applied. */
    static Correction of(Containers.Known fromRules, Containers.Known inspected) {
        Container r = container(fromRules);
        Container i = container(inspected);
        List<String> why = new ArrayList<>();
        boolean sameDecisions = true;
        if (r == null || i == null || !Objects.equals(r.name(), i.name()) || !Objects.equals(r.image(), i.image())
                || !cnifixLabels(r.labels()).equals(cnifixLabels(i.labels()))) {
            sameDecisions = false;
            why.add("its name, image or io.cnifix.* labels differ");
        }
        List<PortMapping> gone = fromRules.mappings().stream().filter(m -> absent(m, inspected.mappings())).toList();
        boolean missing = inspected.mappings().stream().anyMatch(m -> absent(m, fromRules.mappings()));
        if (!gone.isEmpty()) {
            why.add(gone.size() + " mapping" + (gone.size() == 1 ? "" : "s") + " the engine does not have");
        }
        if (missing) {
            why.add("mappings the rules did not show");
        }
        if (why.isEmpty()) {
            return null;
        }
        return new Correction(sameDecisions ? gone : fromRules.mappings(), !inspected.mappings().isEmpty(), String.join(", ", why));
    }

    private static boolean absent(PortMapping m, List<PortMapping> in) {
        return in.stream().noneMatch(x -> Containers.sameMappings(List.of(x), List.of(m)));
    }

    private static Container container(Containers.Known k) {
        try {
            List<Container> cs = PortsReader.read(k.inspect()).containers();
            return cs.size() == 1 ? cs.get(0) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Map<String, String> cnifixLabels(Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>();
        labels.forEach((k, v) -> {
            if (k.startsWith("io.cnifix.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
