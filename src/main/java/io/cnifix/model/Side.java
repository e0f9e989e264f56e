package io.cnifix.model;

/** Which end of a packet a match looks at: source/in or destination/out. */
public enum Side {
    SOURCE, DESTINATION
}
