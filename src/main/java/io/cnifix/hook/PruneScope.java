package io.cnifix.hook;

import io.cnifix.model.PortMapping;
import io.cnifix.remedy.OwnedRule;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Removal;

import java.util.ArrayList;
import java.util.List;

/** Narrows a prune plan to one stopped container: what the hook's poststop and {@code cnifix watch} remove. */
public final class PruneScope {
    private PruneScope() {
    }

    /** The removals of {@code plan} that open one of {@code mine} and none of {@code others}; no additions. */
    public static Plan onlyFor(Plan plan, List<PortMapping> mine, List<PortMapping> others) {
        List<Removal> keep = new ArrayList<>();
        for (Removal r : plan.removals()) {
            OwnedRule.Key k = r.nftRule() != null ? io.cnifix.remedy.NftOwnership.key(r.nftRule())
                    : r.rule() == null ? null : OwnedRule.key(r.rule());
            if (k != null && mine.stream().anyMatch(k::covers) && others.stream().noneMatch(k::covers)) {
                keep.add(r);
            }
        }
        return new Plan(List.of(), keep, List.of(), plan.proofProblems());
    }
}
