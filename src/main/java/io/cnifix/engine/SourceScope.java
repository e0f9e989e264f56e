package io.cnifix.engine;

import io.cnifix.model.Cidr;

/** The sources a caller will vouch for: rules whose source test falls wholly outside them can be skipped. */
public interface SourceScope {
    boolean mayContain(Cidr sources);
}
