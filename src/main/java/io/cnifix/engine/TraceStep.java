package io.cnifix.engine;

import io.cnifix.model.Rule;

/**
 * One rule the packet was tested against. {@code matched}: "yes", "no", or "assumed yes"/"assumed no" for a
 * rule the simulator could not decide and explored both ways. {@code action}: what happened next. {@code baseChain}:
 * the base chain being run, as "forward ip filter FORWARD (priority 0)"; {@code handle} the nft rule handle, or -1
 * for an iptables rule.
 */
public record TraceStep(Rule rule, String matched, String action, String baseChain, long handle) {

    public TraceStep(Rule rule, String matched, String action) {
        this(rule, matched, action, null, -1);
    }

    public boolean nft() {
        return handle >= 0;
    }
}
