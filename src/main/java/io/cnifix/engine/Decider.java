package io.cnifix.engine;

import io.cnifix.model.Rule;

/** What decided a verdict: a rule, a built-in chain's policy, or the routing decision. */
public sealed interface Decider {

    record ByRule(Rule rule) implements Decider {
    }

    record ByPolicy(String table, String chain, String policy) implements Decider {
    }

    /** No route, or a route that discards (blackhole, unreachable, prohibit). */
    record ByRouting(String reason) implements Decider {
    }

    default String describe() {
        if (this instanceof ByRule r) {
            return r.rule().table() + " " + r.rule().chain() + " rule " + r.rule().number()
                    + " (" + r.rule().source() + ":" + r.rule().line() + "): " + r.rule().text();
        }
        if (this instanceof ByPolicy p) {
            return p.table() + " " + p.chain() + " policy " + p.policy();
        }
        return "routing: " + ((ByRouting) this).reason();
    }
}
