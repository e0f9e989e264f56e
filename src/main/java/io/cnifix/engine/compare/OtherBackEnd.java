package io.cnifix.engine.compare;

import io.cnifix.model.HostState;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The other iptables back end (legacy beside nf_tables, or the reverse). Both register their chains on the same
 * hooks at the classic priorities, so a packet must get through both: ACCEPT in one does not skip the other, and a
 * DROP or REJECT in either decides. The other back end is judged on its own filtering tables with the main one's
 * nat table (DNAT happens once, before filtering), and its verdict is folded into each port's.
 */
final class OtherBackEnd {
    private OtherBackEnd() {
    }

    static DiffReport fold(HostState host, DiffReport main, Function<HostState, DiffReport> judge) {
        DiffReport out = main;
        for (Ruleset other : host.otherBackEnd()) {
            Ruleset primary = host.ruleset(other.family());
            Map<String, Table> tables = new LinkedHashMap<>();
            for (String name : List.of("raw", "mangle", "nat", "filter", "security")) {
                Table t = name.equals("nat") ? (primary == null ? other.table(name) : primary.table(name)) : other.table(name);
                if (t != null) {
                    tables.put(name, t);
                }
            }
            List<Ruleset> replaced = new ArrayList<>();
            for (Ruleset r : host.rulesets()) {
                replaced.add(r.family() == other.family() ? new Ruleset(other.family(), other.source(), tables) : r);
            }
            if (primary == null) {
                replaced.add(new Ruleset(other.family(), other.source(), tables));
            }
            DiffReport theirs = judge.apply(host.withRulesets(replaced).withOtherBackEnd(List.of()));
            out = combine(out, theirs, other.source());
        }
        return out;
    }

    private static DiffReport combine(DiffReport main, DiffReport theirs, String source) {
        List<PortReport> ports = new ArrayList<>();
        for (int i = 0; i < main.ports().size(); i++) {
            PortReport p = main.ports().get(i);
            PortReport q = i < theirs.ports().size() && theirs.ports().get(i).mapping().equals(p.mapping()) ? theirs.ports().get(i) : null;
            ports.add(q == null ? p : combine(p, q, source));
        }
        return new DiffReport(ports, main.exposures(), main.findings());
    }

    private static PortReport combine(PortReport p, PortReport q, String source) {
        boolean drops = q.status() == PortStatus.GAP || q.status() == PortStatus.BLOCKED;
        if (!drops && q.status() != PortStatus.UNKNOWN) {
            return p;
        }
        String theirs = "the other iptables back end (" + source + ") filters the same hooks and "
                + (drops ? "drops it too: " : "cannot be judged: ") + q.why();
        if (p.status() != PortStatus.OK) {
            return new PortReport(p.mapping(), p.bridge(), p.status(), p.decidedBy(), p.why() + "; " + theirs, p.sources());
        }
        if (!drops) {
            return new PortReport(p.mapping(), p.bridge(), PortStatus.UNKNOWN, q.decidedBy(), theirs, q.sources());
        }
        // Not cnifix's to open: no rule in the main back end can undo a decision the other one makes.
        List<SourceGroup> groups = new ArrayList<>();
        for (SourceGroup g : q.sources()) {
            boolean closed = g.outcome().equals("drop") || g.outcome().equals("reject");
            groups.add(closed ? new SourceGroup(g.outcome(), true, g.decidedBy(), g.sources(), g.interfaces(), g.destinations()) : g);
        }
        return new PortReport(p.mapping(), p.bridge(), PortStatus.BLOCKED, q.decidedBy(), theirs, groups);
    }
}
