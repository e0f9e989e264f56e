package io.cnifix.system;

import io.cnifix.model.HostState;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;

import java.util.List;

/**
 * One firewall back end cnifix changes (iptables per family, an admin's nftables chains, firewalld): one transaction
 * to apply a plan's part, and its exact inverse written against what is there at undo time, so that whatever other
 * programs changed meanwhile stays. Never a flush, never a whole-table restore.
 */
public interface FirewallDriver {
    Backend backend();

    /** A short name for messages and backup files: "iptables v4", "nft", "firewalld". */
    String name();

    /** Whether the plan changes anything here; only those drivers are saved, applied and undone. */
    default boolean touches(Plan plan) {
        return plan.touches(backend());
    }

    /**
     * The back end's current state as text, for the 0600 backup written before any change: from {@code read} (what
     * the plan was made from, read under the lock) where it holds this back end's text, else read now.
     */
    String save(io.cnifix.ingest.StateSources read);

    /** The backup file's suffix: ".v4.rules", ".nft", ".firewalld". */
    String backupSuffix();

    /** Applies this back end's part of the plan as one transaction. */
    ProcessRunner.Result apply(Plan plan);

    /** {@code host} with this back end's part re-read from the live firewall, to re-judge after an apply. */
    HostState readBack(HostState host);

    /**
     * After apply, on {@code after} (the host as {@link #readBack} re-read it): what of the plan is not in effect
     * (added and missing, removed and still there).
     */
    List<String> notInEffect(Plan plan, HostState after);

    /**
     * The inverse of {@link #apply}: deletes what the plan added and puts back what it removed, as they are now.
     * Null when nothing of the plan is in place.
     */
    ProcessRunner.Result undo(Plan plan);

    /** Read back after undo: what of the plan is still in effect (empty: cleanly undone). */
    List<String> left(Plan plan);
}
