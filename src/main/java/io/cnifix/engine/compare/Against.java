package io.cnifix.engine.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs the published ports of this host with those of another (a Docker host's snapshot) by container name,
 * protocol and container port, and says where reachability differs: reachable there and not here ("lost"), or
 * the reverse ("gained"). "Reachable" means status ok; a port only one side publishes is "only-here"/"only-there".
 */
public final class Against {
    private Against() {
    }

    public record Pairing(String container, String protocol, int containerPort, PortReport here, PortReport there, String change) {
    }

    public static List<Pairing> pair(DiffReport here, DiffReport there) {
        Map<String, PortReport> theirs = new LinkedHashMap<>();
        for (PortReport p : there.ports()) {
            theirs.putIfAbsent(key(p), p);
        }
        List<Pairing> out = new ArrayList<>();
        for (PortReport p : here.ports()) {
            PortReport t = theirs.remove(key(p));
            String change;
            if (t == null) {
                change = "only-here";
            } else if (reachable(t) && !reachable(p)) {
                change = "lost";
            } else if (!reachable(t) && reachable(p)) {
                change = "gained";
            } else {
                change = "same";
            }
            out.add(new Pairing(p.mapping().containerName(), p.mapping().protocol(), p.mapping().containerPort(), p, t, change));
        }
        for (PortReport t : theirs.values()) {
            out.add(new Pairing(t.mapping().containerName(), t.mapping().protocol(), t.mapping().containerPort(), null, t, "only-there"));
        }
        return out;
    }

    private static boolean reachable(PortReport p) {
        return p.status() == PortStatus.OK;
    }

    private static String key(PortReport p) {
        return p.mapping().containerName() + "/" + p.mapping().protocol() + "/" + p.mapping().containerPort();
    }
}
