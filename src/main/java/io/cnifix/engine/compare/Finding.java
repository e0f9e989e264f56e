package io.cnifix.engine.compare;

import io.cnifix.model.Rule;

/**
 * A structural problem: {@code kind} is "unreferenced-chain" (an engine or admin chain nothing jumps to),
 * "unreferenced-dnat-chain", "stale-dnat" or "stale-accept" (rules for an address and port no published
 * container holds), "never-matches" (a rule the kernel holds that no packet can match, such as a reversed port range),
 * "assumption" (a recent, limit, hashlimit or connlimit rule judged for a first connection from a quiet source),
 * or "note". {@code rule} may be null.
 */
public record Finding(String kind, String table, String chain, Rule rule, String detail) {
}
