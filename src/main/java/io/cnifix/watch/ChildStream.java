package io.cnifix.watch;

import io.cnifix.system.ProcessRunner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One long-lived child program whose output lines are events (podman events, docker events, dbus-monitor, nft
 * monitor). When it ends (the engine restarted, the child was killed) it is started again after a growing pause,
 * and a {@link WatchEvent.Resync} is posted: what happened while nobody listened is unknown.
 */
public final class ChildStream implements AutoCloseable {
    /** A stream that stayed up this long is healthy again: the next break starts from the shortest pause. */
    static final Duration HEALTHY = Duration.ofSeconds(30);

    private final String name;
    private final List<String> command;
    private final Function<String, Optional<WatchEvent>> parse;
    private final Consumer<WatchEvent> post;
    private final ProcessRunner runner;
    private final Log log;
    private final Backoff backoff;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Process current;

    public ChildStream(String name, List<String> command, Function<String, Optional<WatchEvent>> parse,
                       Consumer<WatchEvent> post, ProcessRunner runner, Log log, Backoff backoff) {
        this.name = name;
        this.command = List.copyOf(command);
        this.parse = parse;
        this.post = post;
        this.runner = runner;
        this.log = log;
        this.backoff = backoff;
        this.thread = new Thread(this::loop, "watch-" + name);
        this.thread.setDaemon(true);
    }

    public ChildStream start() {
        thread.start();
        return this;
    }

    /** The running child's process id, or -1 (for tests and logs). */
    public long pid() {
        Process p = current;
        return p == null || !p.isAlive() ? -1 : p.pid();
    }

    private void loop() {
        boolean first = true;
        while (!closed) {
            long started = System.nanoTime();
            Tail err = new Tail();
            try {
                Process p = runner.start(command);
                current = p;
                Thread t = new Thread(() -> err.drain(p.getErrorStream()), "watch-" + name + "-stderr");
                t.setDaemon(true);
                t.start();
                if (!first) {
                    log.info(name + ": listening again (process " + p.pid() + ")");
                    post.accept(new WatchEvent.Resync(name + " reconnected", false));
                } else {
                    log.debug(name + ": listening (process " + p.pid() + ": " + String.join(" ", command) + ")");
                }
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.length() > 1 << 20) {
                            continue; // no event is that long; do not let one line hold the heap
                        }
                        parse.apply(line).ifPresent(post);
                    }
                } catch (IOException e) {
                    // the child went away or was closed: handled below like an end of stream
                }
                int code = ended(p);
                if (closed) {
                    return;
                }
                log.warning(name + ": the event stream ended (exit " + code + (err.text().isEmpty() ? "" : ": " + err.text()) + ")");
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warning(name + ": cannot listen: " + e.getMessage());
            }
            first = false;
            if (Duration.ofNanos(System.nanoTime() - started).compareTo(HEALTHY) >= 0) {
                backoff.reset();
            }
            if (!sleep(backoff.next())) {
                return;
            }
        }
    }

    /**
     * The exit code of a child whose output ended: its own when it exits within a moment (its output can close just
     * before it exits, and a SIGTERM then would log "exit 143" for a stream that ended by itself), else it is told
     * to stop.
     */
    private static int ended(Process p) {
        try {
            if (p.waitFor(250, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return p.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.destroy();
        return waitFor(p);
    }

    private static int waitFor(Process p) {
        try {
            if (!p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
            }
            return p.isAlive() ? -1 : p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        Process p = current;
        if (p != null) {
            p.destroy();
            waitFor(p);
        }
        thread.interrupt();
    }

    /** The last bytes a child wrote to standard error, for the log line that says why it ended. */
    private static final class Tail {
        private final StringBuilder sb = new StringBuilder();

        void drain(InputStream in) {
            byte[] buf = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (this) {
                        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        if (sb.length() > 2048) {
                            sb.delete(0, sb.length() - 2048);
                        }
                    }
                }
            } catch (IOException ignored) {
                // the child ended
            }
        }

        synchronized String text() {
            return sb.toString().strip();
        }
    }
}
