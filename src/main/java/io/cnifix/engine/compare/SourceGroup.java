package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;

import java.util.List;

/**
 * The packets of one published port that share a fate. {@code outcome}: "accept", "drop", "reject", "unknown",
 * "no-dnat" (not taken to the container), "misrouted", or "reply-drop"/"reply-reject" (the first packet gets in,
 * the container's answer does not). {@code sources} null means every outside source. {@code terms}: the decision in
 * the words of the tool that wrote the deciding rule (firewalld's zone or policy), or "". {@code undecided}: for
 * "unknown", the rules cnifix could not decide on these packets' way.
 */
public record SourceGroup(String outcome, boolean admin, Decider decidedBy, List<Cidr> sources, List<String> interfaces,
                          List<IpAddress> destinations, String terms, List<io.cnifix.model.Rule> undecided) {
    public SourceGroup {
        sources = sources == null ? null : List.copyOf(sources);
        interfaces = List.copyOf(interfaces);
        destinations = List.copyOf(destinations);
        terms = terms == null ? "" : terms;
        undecided = undecided == null ? List.of() : List.copyOf(undecided);
    }

    public SourceGroup(String outcome, boolean admin, Decider decidedBy, List<Cidr> sources, List<String> interfaces,
                       List<IpAddress> destinations) {
        this(outcome, admin, decidedBy, sources, interfaces, destinations, "", List.of());
    }

    /** The undecided rules as file:line, for messages. */
    public String undecidedText() {
        StringBuilder b = new StringBuilder();
        for (io.cnifix.model.Rule r : undecided) {
            b.append(b.length() == 0 ? "" : ", ").append(r.source()).append(':').append(r.line());
        }
        return b.toString();
    }
}
