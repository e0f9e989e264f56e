package io.cnifix.remedy;

import io.cnifix.model.Family;
import io.cnifix.model.Rule;
import io.cnifix.model.nft.NftRule;

/**
 * One of cnifix's own rules to delete, and why it no longer belongs. IPTABLES: {@code rule}. NFT: {@code nftRule}
 * (table, chain, handle), {@code rule} null. FIREWALLD: {@code rule} as the direct rule reads back in iptables-save,
 * or null with {@code why} naming the object.
 */
public record Removal(Family family, Rule rule, String why, Backend backend, NftRule nftRule) {
    /** An iptables rule. */
    public Removal(Family family, Rule rule, String why) {
        this(family, rule, why, Backend.IPTABLES, null);
    }
}
