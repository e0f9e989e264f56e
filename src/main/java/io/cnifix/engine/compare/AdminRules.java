package io.cnifix.engine.compare;

import io.cnifix.model.Chain;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.model.Target;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Which rules express an administrator's decision rather than an engine's plumbing: rules in DOCKER-USER, the
 * CNI admin chain or a chain named with --admin-chain (and chains they call), and rules in filter FORWARD above
 * the first jump to an engine chain.
 */
public final class AdminRules {
    /** Per table, its admin chains: looked up for every rule of every path a plan places a rule by. */
    private final java.util.Map<String, Set<String>> adminChains = new java.util.HashMap<>();
    private int firstEngineJump = Integer.MAX_VALUE;

    public AdminRules(Ruleset rules, Set<String> named) {
        for (Table t : rules.tables().values()) {
            Deque<String> todo = new ArrayDeque<>();
            for (String n : named) {
                if (t.chain(n) != null) {
                    todo.add(n);
                }
            }
            while (!todo.isEmpty()) {
                String c = todo.pop();
                if (!adminChains.computeIfAbsent(t.name(), k -> new HashSet<>()).add(c)) {
                    continue;
                }
                for (Rule r : t.chain(c).rules()) {
                    String callee = callee(r);
                    if (callee != null && !isEngineChain(callee)) {
                        todo.add(callee);
                    }
                }
            }
        }
        Chain forward = rules.chain("filter", "FORWARD");
        if (forward != null) {
            for (Rule r : forward.rules()) {
                String callee = callee(r);
                if (callee != null && isEngineChain(callee)) {
                    firstEngineJump = r.number();
                    break;
                }
            }
        }
    }

    public static String callee(Rule r) {
        if (r.target() instanceof Target.Jump j) {
            return j.chain();
        }
        if (r.target() instanceof Target.Goto g) {
            return g.chain();
        }
        return null;
    }

    /** Chains the container engines (and cnifix) create and manage. */
    public static boolean isEngineChain(String name) {
        return (name.startsWith("DOCKER") && !name.equals("DOCKER-USER"))
                || (name.startsWith("CNI-") && !name.equals("CNI-ADMIN"))
                || name.startsWith("NETAVARK");
    }

    public boolean isAdmin(Rule r) {
        Set<String> ofTable = adminChains.get(r.table());
        if (ofTable != null && ofTable.contains(r.chain())) {
            return true;
        }
        return r.table().equals("filter") && r.chain().equals("FORWARD") && r.number() < firstEngineJump;
    }
}
