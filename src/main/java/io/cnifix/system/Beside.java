package io.cnifix.system;

import java.util.function.Supplier;

/**
 * One read run on its own short-lived thread while the caller does another: the host's state comes from several
 * independent programs, and a caller waiting for all of them then waits for the slowest, not for the sum. No pool:
 * the readers are idle between reads, and a thread costs far less than the program it waits for.
 */
public final class Beside<T> {
    private final Thread thread;
    private T value;
    private RuntimeException failure;

    public Beside(String name, Supplier<T> read) {
        thread = new Thread(() -> {
            try {
                value = read.get();
            } catch (RuntimeException e) {
                failure = e;
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the read; rethrows what it threw. */
    public T get() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the host", e);
        }
        if (failure != null) {
            throw failure;
        }
        return value;
    }
}
