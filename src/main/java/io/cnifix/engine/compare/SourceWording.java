package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.engine.Trace;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The words the judgement uses for a person: who a group of sources is, which rule a port hangs on, and notes
 * about what was assumed. Kept apart from the comparison so that the wording can change without touching how
 * ports are judged.
 */
public final class SourceWording {
    /** More prefixes than this are summarised ("and 12 more"): a why is one line a person reads. */
    static final int MAX_LISTED = 4;

    private SourceWording() {
    }

    /**
     * Who {@code g} is, in words. Groups of one port that share interfaces and destinations split the outside
     * sources between them, so a group with many prefixes is named by the few it leaves out, and those by what
     * decides them: "every outside source except 203.0.113.0/24, which CNI-ADMIN rule 1 (f:9) drops on purpose".
     */
    public static String who(SourceGroup g, List<SourceGroup> groups) {
        if (g.sources() == null) {
            return "every outside source";
        }
        List<SourceGroup> rest = new ArrayList<>();
        int restPrefixes = 0;
        for (SourceGroup o : groups) {
            if (o != g && o.sources() != null && o.interfaces().equals(g.interfaces()) && o.destinations().equals(g.destinations())) {
                rest.add(o);
                restPrefixes += o.sources().size();
            }
        }
        if (rest.isEmpty() || restPrefixes >= g.sources().size()) {
            return "sources " + list(g.sources());
        }
        List<String> parts = new ArrayList<>();
        for (SourceGroup o : rest) {
            parts.add(list(o.sources()) + " (which " + deed(o) + ")");
        }
        return "every outside source except " + String.join(" and ", parts);
    }

    /** The prefixes, the first few of a long list and how many more. */
    public static String list(List<Cidr> cidrs) {
        List<String> shown = cidrs.stream().limit(MAX_LISTED).map(Cidr::toString).toList();
        String more = cidrs.size() > MAX_LISTED ? " and " + (cidrs.size() - MAX_LISTED) + " more prefixes" : "";
        return String.join(", ", shown) + more;
    }

    /** What the decider of a group does to it, said briefly with where the rule is. */
    static String deed(SourceGroup o) {
        String by = brief(o.decidedBy());
        return switch (o.outcome()) {
            case "drop", "reject" -> by + (o.outcome().equals("drop") ? " drops" : " rejects") + (o.admin() ? " on purpose" : "");
            case "accept" -> by + " lets in";
            case "unknown" -> by + " may or may not let in (a rule cnifix does not understand)";
            default -> "is " + o.outcome() + " by " + by;
        };
    }

    /** "CNI-ADMIN rule 1 (file:line)", "the FORWARD policy DROP", or the routing reason. */
    public static String brief(Decider d) {
        if (d instanceof Decider.ByRule r) {
            return whereInline(r.rule());
        }
        if (d instanceof Decider.ByPolicy p) {
            return "the " + p.chain() + " policy " + p.policy();
        }
        if (d instanceof Decider.ByNftRule n) {
            return n.table() + " " + n.rule().chain() + " handle " + n.rule().handle() + ",";
        }
        if (d instanceof Decider.ByNftPolicy p) {
            return "the " + p.table() + " " + p.chain() + " policy " + p.policy();
        }
        if (d instanceof Decider.ByOrder o) {
            return "the order of the " + o.hook() + " base chains at priority " + o.priority() + ",";
        }
        return d == null ? "nothing" : "routing, " + ((Decider.ByRouting) d).reason() + ",";
    }

    private static String where(Rule r) {
        return r.chain() + " rule " + r.number() + " (" + r.source() + ":" + r.line() + ")";
    }

    /** Comma-free in the middle of a sentence that is already in parentheses. */
    private static String whereInline(Rule r) {
        return r.chain() + " rule " + r.number() + ", " + r.source() + ":" + r.line() + ",";
    }

    /**
     * A port left unknown names the rule it hangs on: the trace of one packet of its undecided group lists the
     * rules the simulator could not decide, where the group's own decider is only where that packet ended (often
     * a chain policy).
     */
    public static PortReport namingUnknown(PortReport r, Function<SourceGroup, Trace> traceOf) {
        if (r.status() != PortStatus.UNKNOWN) {
            return r;
        }
        SourceGroup undecided = r.sources().stream().filter(g -> g.outcome().equals("unknown")).findFirst().orElse(null);
        if (undecided == null || !Objects.equals(r.decidedBy(), undecided.decidedBy())) {
            return r;
        }
        List<Rule> rules = traceOf.apply(undecided).unknownRules();
        if (rules.isEmpty()) {
            return r;
        }
        Rule first = rules.get(0);
        String why = "the outcome for " + who(undecided, r.sources()) + " hangs on " + first.table() + " " + where(first)
                + ", which cnifix does not understand: " + first.text()
                + (rules.size() > 1 ? " (and " + (rules.size() - 1) + " more such rules)" : "");
        return new PortReport(r.mapping(), r.bridge(), r.status(), new Decider.ByRule(first), why, r.sources());
    }

    /**
     * The note for a family judged with a stand-in destination, or null when there is nothing to say: with the
     * host's addresses known (ip -j address read) and none of this family outside link-local, packets of this
     * family cannot reach the host from outside by address anyway, and the stand-in is only a formality.
     */
    public static String standInNote(HostState host, Family family, IpAddress standIn) {
        if (!host.addresses().isEmpty()) {
            return null;
        }
        return "the host's own addresses are not known (no ip -j address): judged packets sent to a stand-in address "
                + standIn + " on eth0";
    }
}
