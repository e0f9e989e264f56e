package io.cnifix.engine.compare;

/**
 * Which Docker the host is judged against. CURRENT (28 and later): only connections through a published host
 * port get in. CLASSIC (17 to 27): packets routed straight to a container address on a published container
 * port get in too.
 */
public enum DockerModel {
    CURRENT, CLASSIC
}
