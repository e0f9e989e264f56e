package io.cnifix.model.nft;

import java.util.List;

/**
 * A chain; {@code base} is null for a regular chain (reached only by jump, goto or a verdict map). A base chain
 * has a type (filter, nat, route), a hook, a priority number and a policy (accept unless it says drop).
 */
public record NftChain(String name, Base base, List<NftRule> rules) {
    public NftChain {
        rules = List.copyOf(rules);
    }

    public record Base(String type, String hook, int priority, String policy) {
        public boolean dropPolicy() {
            return "drop".equals(policy);
        }
    }

    public boolean isBase() {
        return base != null;
    }
}
