package io.cnifix.model;

/** Which container engine a container or network belongs to. */
public enum Engine {
    PODMAN, DOCKER, UNKNOWN;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
