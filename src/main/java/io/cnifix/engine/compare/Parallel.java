package io.cnifix.engine.compare;

import java.util.Collection;
import java.util.stream.Stream;

/**
 * Ports and exposures are judged independently, so a big host uses both cores; a small one does not: starting the
 * common fork-join pool costs more than judging a handful of ports, and every command pays it at start-up.
 */
final class Parallel {
    /** Below this many items a sequential stream is faster, JVM start included (measured on the seed snapshot). */
    static final int THRESHOLD = 64;

    private Parallel() {
    }

    static <T> Stream<T> stream(Collection<T> items) {
        return items.size() >= THRESHOLD ? items.parallelStream() : items.stream();
    }
}
