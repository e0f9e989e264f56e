package io.cnifix.watch;

import java.time.Duration;

/** Pauses between reconnects: doubling from {@code first} up to {@code max}, so a dead engine is not hammered. */
public final class Backoff {
    private final Duration first;
    private final Duration max;
    private Duration next;

    public Backoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
        this.next = first;
    }

    public synchronized Duration next() {
        Duration d = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return d;
    }

    public synchronized void reset() {
        next = first;
    }
}
