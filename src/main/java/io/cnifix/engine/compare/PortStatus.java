package io.cnifix.engine.compare;

/** How a published port fares against Docker's behaviour. */
public enum PortStatus {
    OK("ok"), GAP("gap"), BLOCKED("blocked"), MISSING_DNAT("missing-dnat"), NOT_EXPOSED("not-exposed"), UNKNOWN("unknown");

    public final String id;

    PortStatus(String id) {
        this.id = id;
    }
}
