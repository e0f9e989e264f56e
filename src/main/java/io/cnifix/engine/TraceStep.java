package io.cnifix.engine;

import io.cnifix.model.Rule;

/**
 * One rule the packet was tested against. {@code matched}: "yes", "no", or "assumed yes"/"assumed no" for a
 * rule the simulator could not decide and explored both ways. {@code action}: what happened next.
 */
public record TraceStep(Rule rule, String matched, String action) {
}
