package io.cnifix.engine;

import io.cnifix.model.IpAddress;
import io.cnifix.model.Rule;

import java.util.List;

/**
 * The outcome of one packet: verdict, where it was delivered ("forward", "local" or "none"), the DNAT it got,
 * the out interface, what decided, every rule visited, and the rules that could not be decided.
 * {@code path} (with what each rule did) or {@code visited} (the rules only) are filled as the caller asked.
 * {@code chains}: every base chain the packet met, in order, with its outcome (filled with the path).
 * {@code connection}: the conntrack entry the packet leaves (its NAT and ct mark), what its replies will see; null
 * when it has none or the outcome is not known.
 */
public record Trace(Verdict verdict, String delivery, IpAddress dnatAddress, Integer dnatPort, String outInterface,
                    Decider decidedBy, List<TraceStep> path, List<Rule> visited, List<Rule> unknownRules,
                    List<ChainPass> chains, Connection connection) {

    public Trace {
        path = List.copyOf(path);
        visited = List.copyOf(visited);
        unknownRules = List.copyOf(unknownRules);
        chains = List.copyOf(chains);
    }

    public Trace(Verdict verdict, String delivery, IpAddress dnatAddress, Integer dnatPort, String outInterface,
                 Decider decidedBy, List<TraceStep> path, List<Rule> visited, List<Rule> unknownRules) {
        this(verdict, delivery, dnatAddress, dnatPort, outInterface, decidedBy, path, visited, unknownRules, List.of(), null);
    }

    public boolean accepted() {
        return verdict == Verdict.ACCEPT;
    }

    /** One base chain on one hook: {@code table} "ip filter" or "inet firewalld", its priority and what it did. */
    public record ChainPass(String hook, String table, String chain, int priority, String policy, Verdict verdict,
                            Decider decidedBy) {
    }
}
