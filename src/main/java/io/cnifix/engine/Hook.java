package io.cnifix.engine;

/** Netfilter hooks, with the tables that have a chain there, in priority order. */
public enum Hook {
    PREROUTING("raw", "mangle", "nat"),
    INPUT("mangle", "filter", "security", "nat"),
    FORWARD("mangle", "filter", "security"),
    POSTROUTING("mangle", "nat");

    final String[] tables;

    Hook(String... tables) {
        this.tables = tables;
    }
}
