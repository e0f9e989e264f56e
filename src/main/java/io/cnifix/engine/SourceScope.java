package io.cnifix.engine;

import io.cnifix.model.Cidr;

/** The sources a caller will vouch for: rules whose source test falls wholly outside them can be skipped. */
public interface SourceScope {
    boolean mayContain(Cidr sources);

    /**
     * {@link #mayContain} for many prefixes at once, given sorted by base address: {@code out[i]} for
     * {@code sorted.get(i)}. A scope made of sorted ranges answers all in one sweep instead of one search each.
     */
    default void mayContainEach(java.util.List<Cidr> sorted, boolean[] out) {
        for (int i = 0; i < sorted.size(); i++) {
            out[i] = mayContain(sorted.get(i));
        }
    }
}
