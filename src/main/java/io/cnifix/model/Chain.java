package io.cnifix.model;

import java.util.List;

/** A chain; {@code policy} is ACCEPT or DROP for a built-in chain and null for a user-defined one. */
public record Chain(String name, String policy, List<Rule> rules) {

    public Chain {
        rules = List.copyOf(rules);
    }

    public boolean builtin() {
        return policy != null;
    }
}
