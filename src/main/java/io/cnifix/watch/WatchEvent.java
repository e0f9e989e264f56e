package io.cnifix.watch;

import io.cnifix.model.Engine;

import java.util.Map;

/** What the watcher reacts to. Every source (event streams, D-Bus, nftables, the spool, the timer) posts these. */
public sealed interface WatchEvent {

    /**
     * A container started (or restarted): open its published ports. {@code handover}: from the OCI hook, while
     * {@code podman run} has not returned yet (its inspect waits for the run to let go of the container, and the
     * host reads wait for the inspect, so that watch's work does not take the CPU from the run it was handed from).
     * {@code about}: what the event itself said of the container (null when it said nothing, as the hook's hand-over).
     */
    record Started(Engine engine, String id, String name, boolean handover, About about) implements WatchEvent {
        public Started(Engine engine, String id, String name) {
            this(engine, id, name, false, null);
        }

        public Started(Engine engine, String id, String name, boolean handover) {
            this(engine, id, name, handover, null);
        }
    }

    /**
     * A container's image and its labels as its start event carried them: all that cnifix's decisions take from a
     * container besides its ports (the io.cnifix.* labels, and the name and image a policy file matches), so that a
     * start can be acted on before the engine is asked.
     */
    record About(String image, Map<String, String> labels) {
        public About {
            labels = Map.copyOf(labels);
        }
    }

    /** A container died, stopped or was removed: remove the rules only it needed. */
    record Stopped(Engine engine, String id, String name, String action) implements WatchEvent {
    }

    /**
     * The firewall changed under us (a reload, a restart, a flush, any commit): check and repair. {@code pid}: the
     * process that committed the change, when known (0 otherwise), so that cnifix's own changes can be told apart.
     */
    record FirewallChanged(String why, long pid) implements WatchEvent {
        public FirewallChanged(String why) {
            this(why, 0);
        }
    }

    /**
     * A stream (re)connected after a break: what happened while it was down is unknown, so reconcile everything.
     * Also posted by the timer. Not {@code full}: only which containers run is asked again (one ps, one inspect of
     * those not known yet), the networks read last time are kept.
     */
    record Resync(String why, boolean full) implements WatchEvent {
        /** A full one: the engines' networks are read again too (at start, on the timer). */
        public Resync(String why) {
            this(why, true);
        }
    }

    /** SIGTERM or the end of the run: finish the current step and stop. */
    record Shutdown() implements WatchEvent {
    }
}
