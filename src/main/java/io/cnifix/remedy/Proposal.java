package io.cnifix.remedy;

import io.cnifix.model.Family;
import io.cnifix.model.PortMapping;

/**
 * One rule to insert: where (family, table, chain, position), the rule words, the port it opens and why, in the
 * language of {@code backend}. {@code after} is the text of the rule it must follow (an admin-chain jump, say), or
 * null; the position was computed from it at read time, so the apply checks that it still holds.
 * <ul>
 * <li>IPTABLES: table "filter", 1-based position, spec the words after "-A CHAIN".</li>
 * <li>NFT: table "FAMILY NAME" ("inet filter"), position the handle of the rule to add after (0: the top), spec the
 * rule in nft syntax as {@code nft list} prints it back, ending in its {@code comment "cnifix: ..."}.</li>
 * <li>FIREWALLD: table "direct" (chain "ipv4 filter FORWARD", position the direct priority, spec iptables words) or
 * "policy" (chain the policy name, spec the rich rule).</li>
 * </ul>
 */
public record Proposal(Family family, String table, String chain, int position, String spec, PortMapping fixes, String why,
                       String after, Backend backend) {

    /** An iptables rule. */
    public Proposal(Family family, String table, String chain, int position, String spec, PortMapping fixes, String why,
                    String after) {
        this(family, table, chain, position, spec, fixes, why, after, Backend.IPTABLES);
    }

    /** The iptables-save line the rule reads back as. */
    public String line() {
        return "-A " + chain + " " + spec;
    }
}
