package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.Match;
import io.cnifix.model.Rule;

/**
 * Tells the host's INPUT default (the chain's policy, or an unconditional DROP/REJECT in INPUT itself, as RHEL's
 * iptables-services writes) from an admin rule about particular sources or ports: only the default keeps a rootless
 * published port closed in a way cnifix may open.
 */
public final class RootlessInput {
    private RootlessInput() {
    }

    public static boolean catchAll(Decider d) {
        if (d instanceof Decider.ByPolicy p) {
            return p.table().equals("filter") && p.chain().equals("INPUT");
        }
        if (d instanceof Decider.ByRule r) {
            return catchAll(r.rule());
        }
        return false;
    }

    public static boolean catchAll(Rule r) {
        if (!r.table().equals("filter") || !r.chain().equals("INPUT")) {
            return false;
        }
        return r.matches().stream().allMatch(m -> m instanceof Match.Comment);
    }
}
