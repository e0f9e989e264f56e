package io.cnifix.remedy;

/** Which firewall a change is written for, in that firewall's own language. */
public enum Backend { IPTABLES, NFT, FIREWALLD }
