package io.cnifix.remedy;

import io.cnifix.engine.compare.DiffReport;
import io.cnifix.model.Family;

import java.util.List;

/**
 * What cnifix would change: rules to add, own rules to remove, ports it will not touch (with the reason), and
 * the outcome of proving the change on the in-memory ruleset.
 *
 * <p>{@code before}: the judgement of the host the plan was made from, when the planner made one of exactly that host
 * (null otherwise); an apply compares its read-back with it instead of judging the same host a second time.
 */
public record Plan(List<Proposal> additions, List<Removal> removals, List<String> untouched, List<String> proofProblems,
                   DiffReport before) {
    public Plan {
        additions = List.copyOf(additions);
        removals = List.copyOf(removals);
        untouched = List.copyOf(untouched);
        proofProblems = List.copyOf(proofProblems);
    }

    /** A plan without the judgement it came from (narrowed, edited or built by hand). */
    public Plan(List<Proposal> additions, List<Removal> removals, List<String> untouched, List<String> proofProblems) {
        this(additions, removals, untouched, proofProblems, null);
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
