package io.cnifix.model;

/** Address family: which of iptables-save and ip6tables-save a ruleset came from. */
public enum Family {
    V4, V6;

    public int bits() {
        return this == V4 ? 32 : 128;
    }
}
