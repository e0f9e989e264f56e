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

    private Beside(T value, RuntimeException failure) {
        this.thread = null;
        this.value = value;
        this.failure = failure;
    }

    /** The read done right here, on the caller's thread, for callers that want one program at a time. */
    public static <T> Beside<T> now(Supplier<T> read) {
        try {
            return new Beside<>(read.get(), null);
        } catch (RuntimeException e) {
            return new Beside<>(null, e);
        }
    }

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
            if (thread != null) {
                thread.join();
            }
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
