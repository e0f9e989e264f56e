package io.cnifix.remedy;

import io.cnifix.model.Family;
import io.cnifix.model.Rule;
import io.cnifix.model.nft.NftRule;

/** One of cnifix's own rules to delete, and why it no longer belongs. */
public record Removal(Family family, Rule rule, String why, Backend backend, NftRule nftRule) {
    public Removal(Family family, Rule rule, String why) {
        this(family, rule, why, Backend.IPTABLES, null);
    }
}
