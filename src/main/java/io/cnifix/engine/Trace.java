package io.cnifix.engine;

import io.cnifix.model.IpAddress;
import io.cnifix.model.Rule;

import java.util.List;

/**
 * The outcome of one packet: verdict, where it was delivered ("forward", "local" or "none"), the DNAT it got,
 * the out interface, what decided, every rule visited, and the rules that could not be decided.
 * {@code path} (with what each rule did) or {@code visited} (the rules only) are filled as the caller asked.
 */
public record Trace(Verdict verdict, String delivery, IpAddress dnatAddress, Integer dnatPort, String outInterface,
                    Decider decidedBy, List<TraceStep> path, List<Rule> visited, List<Rule> unknownRules) {

    public Trace {
        path = List.copyOf(path);
        visited = List.copyOf(visited);
        unknownRules = List.copyOf(unknownRules);
    }

    public boolean accepted() {
        return verdict == Verdict.ACCEPT;
    }
}
