package io.cnifix.engine;

import io.cnifix.model.Rule;
import io.cnifix.model.nft.NftRule;

/**
 * What decided a verdict: an iptables rule, a built-in chain's policy, a native nftables rule or base chain policy,
 * or the routing decision.
 */
public sealed interface Decider {

    record ByRule(Rule rule) implements Decider {
    }

    record ByPolicy(String table, String chain, String policy) implements Decider {
    }

    /** No route, or a route that discards (blackhole, unreachable, prohibit). */
    record ByRouting(String reason) implements Decider {
    }

    /**
     * A native nftables rule, reached from base chain {@code baseChain} at {@code priority}; {@code standIn} is the
     * rule as the trace lists it.
     */
    record ByNftRule(String table, String baseChain, int priority, NftRule rule, Rule standIn) implements Decider {
    }

    /** A native nftables base chain's policy ({@code accept} or {@code drop}). */
    record ByNftPolicy(String table, String chain, int priority, String policy) implements Decider {
    }

    /** Base chains of equal priority whose order the kernel does not promise, and the order mattered. */
    record ByOrder(String hook, int priority, String chains) implements Decider {
    }

    default String describe() {
        if (this instanceof ByRule r) {
            return r.rule().table() + " " + r.rule().chain() + " rule " + r.rule().number()
                    + " (" + r.rule().source() + ":" + r.rule().line() + "): " + r.rule().text();
        }
        if (this instanceof ByPolicy p) {
            return p.table() + " " + p.chain() + " policy " + p.policy();
        }
        if (this instanceof ByNftRule n) {
            return "table " + n.table() + " chain " + n.baseChain() + " (priority " + n.priority() + ")"
                    + (n.rule().chain().equals(n.baseChain()) ? "" : " via " + n.rule().chain())
                    // the stand-in's text is the rule's, written once: judging 10,000 ports described their
                    // deciding nft rules 40,000 times, each rendering its statements anew
                    + " handle " + n.rule().handle() + ": " + (n.standIn() != null ? n.standIn().text() : n.rule().text());
        }
        if (this instanceof ByNftPolicy p) {
            return "table " + p.table() + " chain " + p.chain() + " (priority " + p.priority() + ") policy " + p.policy();
        }
        if (this instanceof ByOrder o) {
            return o.hook() + " base chains of equal priority " + o.priority() + " (" + o.chains()
                    + "): the outcome depends on their order, which the kernel does not promise";
        }
        return "routing: " + ((ByRouting) this).reason();
    }
}
