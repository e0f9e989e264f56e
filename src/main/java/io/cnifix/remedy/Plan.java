package io.cnifix.remedy;

import io.cnifix.model.Family;

import java.util.List;

/**
 * What cnifix would change: rules to add, own rules to remove, ports it will not touch (with the reason), and
 * the outcome of proving the change on the in-memory ruleset.
 */
public record Plan(List<Proposal> additions, List<Removal> removals, List<String> untouched, List<String> proofProblems) {
    public Plan {
        additions = List.copyOf(additions);
        removals = List.copyOf(removals);
        untouched = List.copyOf(untouched);
        proofProblems = List.copyOf(proofProblems);
    }

    public boolean empty() {
        return additions.isEmpty() && removals.isEmpty();
    }

    public boolean proven() {
        return proofProblems.isEmpty();
    }

    /** Whether the plan changes the iptables rules of family {@code f}. */
    public boolean touches(Family f) {
        return additions(Backend.IPTABLES).stream().anyMatch(a -> a.family() == f)
                || removals(Backend.IPTABLES).stream().anyMatch(r -> r.family() == f);
    }

    public boolean touches(Backend b) {
        return !additions(b).isEmpty() || !removals(b).isEmpty();
    }

    public List<Proposal> additions(Backend b) {
        return additions.stream().filter(a -> a.backend() == b).toList();
    }

    public List<Removal> removals(Backend b) {
        return removals.stream().filter(r -> r.backend() == b).toList();
    }
}
