package io.cnifix.watch;

import io.cnifix.ingest.StateSources;
import io.cnifix.remedy.Plan;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The one apply path (suggest --apply, reconcile, the OCI hook): plan, apply under cnifix's lock as one verified
 * transaction, roll back on failure. The command line provides it; the watcher only decides what and when.
 */
public interface Applier {
    /**
     * What one apply did: its exit code (see ExitCodes), the changes made, what it left alone, why it failed, and
     * where its time went (for --verbose; empty when not measured).
     */
    record Outcome(int exitCode, List<String> changes, List<String> untouched, String error, String steps) {
        public Outcome {
            changes = List.copyOf(changes);
            untouched = List.copyOf(untouched);
            steps = steps == null ? "" : steps;
        }

        public Outcome(int exitCode, List<String> changes, List<String> untouched, String error) {
            this(exitCode, changes, untouched, error, "");
        }

        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * @param sources read under the lock (live rules must be read after the lock is taken), maybe more than once
     * @param scope   narrows the plan before it is applied (one container's rules)
     */
    Outcome apply(Supplier<StateSources> sources, boolean add, boolean prune, UnaryOperator<Plan> scope);
}
