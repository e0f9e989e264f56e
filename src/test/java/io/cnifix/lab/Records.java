package io.cnifix.lab;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Everything the recorders held at one moment, and which probe each record belongs to. */
record Records(Set<Recorder.Seen> seen, Set<Recorder.PortMap> maps) {

    /**
     * Matches records to probes by (proto, source port as sent). SNAT may have changed the port on the way; the
     * host's port maps undo that.
     */
    List<ProbeResult> attribute(List<Probe> probes) {
        Set<String> batch = new HashSet<>();
        probes.forEach(p -> batch.add(p.proto() + "/" + p.sport()));
        Map<String, Integer> natToOriginal = new HashMap<>();
        for (Recorder.PortMap m : maps) {
            if (m.originalSport() != m.sport() && batch.contains(m.proto() + "/" + m.originalSport())) {
                natToOriginal.put(m.proto() + "/" + m.sport(), m.originalSport());
            }
        }
        Map<String, List<Arrival>> byKey = new HashMap<>();
        for (Recorder.Seen s : seen) {
            int original = natToOriginal.getOrDefault(s.proto() + "/" + s.sport(), s.sport());
            Arrival a = s.place().isEmpty()
                    ? new Arrival.Local(s.dst(), s.dport(), s.src(), s.sport())
                    : new Arrival.Forwarded(s.place(), s.dst(), s.dport(), s.src(), s.sport());
            byKey.computeIfAbsent(s.proto() + "/" + original, k -> new ArrayList<>()).add(a);
        }
        List<ProbeResult> out = new ArrayList<>();
        for (Probe p : probes) {
            List<Arrival> found = byKey.getOrDefault(p.proto() + "/" + p.sport(), List.of());
            Arrival a = switch (found.size()) {
                case 0 -> new Arrival.None();
                case 1 -> found.get(0);
                default -> new Arrival.Several(found);
            };
            out.add(new ProbeResult(p, a));
        }
        return out;
    }
}
