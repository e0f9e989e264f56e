package io.cnifix.remedy;

import io.cnifix.model.Family;
import io.cnifix.model.PortMapping;

/**
 * One rule to insert: where (family, table, chain, 1-based position), the rule words, the port it opens and why.
 * {@code after} is the text of the rule it must follow (an admin-chain jump, say), or null; the position was
 * computed from it at read time, so the apply checks that it still holds.
 */
public record Proposal(Family family, String table, String chain, int position, String spec, PortMapping fixes, String why,
                       String after, Backend backend) {

    public Proposal(Family family, String table, String chain, int position, String spec, PortMapping fixes, String why,
                    String after) {
        this(family, table, chain, position, spec, fixes, why, after, Backend.IPTABLES);
    }

    /** The iptables-save line the rule reads back as. */
    public String line() {
        return "-A " + chain + " " + spec;
    }
}
