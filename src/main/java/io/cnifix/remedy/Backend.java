package io.cnifix.remedy;

/**
 * Which firewall a change is written for, in that firewall's own language: the table that drops decides, since a
 * rule in another table cannot override a drop (a drop in any base chain is final).
 */
public enum Backend {
    /** iptables or ip6tables, through iptables-restore --noflush. */
    IPTABLES,
    /** a native nftables chain an admin owns, through one nft -f batch. */
    NFT,
    /** firewalld's own objects (direct rules, policies), which survive firewall-cmd --reload. */
    FIREWALLD
}
