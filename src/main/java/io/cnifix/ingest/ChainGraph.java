package io.cnifix.ingest;

import io.cnifix.model.Chain;
import io.cnifix.model.Rule;
import io.cnifix.model.Table;
import io.cnifix.model.Target;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Refuses what iptables-restore refuses about the shape of a table: a jump or goto to a built-in chain, and any
 * loop of jumps and gotos (the kernel's mark_source_chains rejects both). The error names the rule's line.
 */
public final class ChainGraph {
    private ChainGraph() {
    }

    private static final int WHITE = 0;
    private static final int GREY = 1;
    private static final int BLACK = 2;

    /** Throws an {@link InputException} at the first offending rule of {@code table} read from {@code file}. */
    public static void check(String file, Table table) {
        for (Chain c : table.chains().values()) {
            for (Rule r : c.rules()) {
                String to = target(r);
                if (to != null && table.chain(to) != null && table.chain(to).builtin()) {
                    throw new InputException(file, r.line(), (r.target() instanceof Target.Goto ? "goto" : "jump")
                            + " to the built-in chain " + to + " in table " + table.name() + " (iptables-restore refuses it)");
                }
            }
        }
        Map<String, Integer> colour = new HashMap<>();
        for (String start : table.chains().keySet()) {
            if (colour.getOrDefault(start, WHITE) == WHITE) {
                walk(file, table, start, colour);
            }
        }
    }

    /**
     * Depth-first without recursion (a long chain of chains must not overflow the stack); a grey target is a loop.
     * The stack holds chains and the index of the next rule in each, so a rule costs no lookup unless it jumps.
     */
    private static void walk(String file, Table table, String start, Map<String, Integer> colour) {
        Deque<Chain> chains = new ArrayDeque<>();
        int[] next = new int[8];
        Chain first = table.chain(start);
        colour.put(start, GREY);
        if (first == null) {
            colour.put(start, BLACK);
            return;
        }
        chains.push(first);
        while (!chains.isEmpty()) {
            Chain c = chains.peek();
            int depth = chains.size() - 1;
            List<Rule> rules = c.rules();
            int i = next[depth];
            Chain into = null;
            while (i < rules.size() && into == null) {
                Rule r = rules.get(i++);
                String to = target(r);
                Chain target = to == null ? null : table.chain(to);
                if (target == null) {
                    continue;
                }
                int seen = colour.getOrDefault(to, WHITE);
                if (seen == GREY) {
                    throw new InputException(file, r.line(), "loop: " + c.name() + (r.target() instanceof Target.Goto ? " goes to " : " jumps to ")
                            + to + ", which leads back to " + c.name() + " in table " + table.name() + " (iptables-restore refuses loops)");
                }
                if (seen == WHITE) {
                    colour.put(to, GREY);
                    into = target;
                }
            }
            next[depth] = i;
            if (into == null) {
                colour.put(chains.pop().name(), BLACK);
                continue;
            }
            if (depth + 1 == next.length) {
                next = java.util.Arrays.copyOf(next, next.length * 2);
            }
            next[depth + 1] = 0;
            chains.push(into);
        }
    }

    private static String target(Rule r) {
        if (r.target() instanceof Target.Jump j) {
            return j.chain();
        }
        if (r.target() instanceof Target.Goto g) {
            return g.chain();
        }
        return null;
    }
}
