package io.cnifix.watch;

import io.cnifix.hook.Spool;
import io.cnifix.model.Engine;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Takes the OCI hook's hand-overs (see {@link Spool}) while {@code cnifix watch} runs: each file becomes a start or
 * a stop event and is deleted. inotify (the JDK's WatchService) says when files arrive; the directory is also listed
 * once a second, so nothing waits long if a notification is lost.
 */
public final class SpoolReader implements AutoCloseable {
    private final Path dir;
    private final Consumer<WatchEvent> post;
    private final Log log;
    private final Thread thread;
    private volatile boolean closed;
    private WatchService ws;

    public SpoolReader(Path dir, Consumer<WatchEvent> post, Log log) {
        this.dir = dir;
        this.post = post;
        this.log = log;
        this.thread = new Thread(this::loop, "watch-spool");
        this.thread.setDaemon(true);
    }

    /** Deletes what the hook left while no watch ran (the first reconcile covers it), then follows the directory. */
    public SpoolReader start() {
        try {
            Files.createDirectories(dir);
            ws = dir.getFileSystem().newWatchService();
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException | RuntimeException e) {
            log.warning("hook hand-overs in " + dir + ": cannot watch the directory (" + e.getMessage() + "); listing it every second");
        }
        for (Path p : Spool.pending(dir)) {
            Spool.delete(p);
        }
        thread.start();
        return this;
    }

    private void loop() {
        while (!closed) {
            try {
                if (ws != null) {
                    var key = ws.poll(1, TimeUnit.SECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                } else {
                    Thread.sleep(1000);
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            drain();
        }
    }

    /** Acts on every finished hand-over in arrival order. */
    void drain() {
        for (Path p : Spool.pending(dir)) {
            try {
                Spool.Handover h = Spool.read(p);
                String id = Spool.containerId(h.state());
                if (id == null) {
                    log.warning("hook hand-over " + p.getFileName() + ": no container id in the state; ignored");
                } else if (h.stage().equals("poststart")) {
                    post.accept(new WatchEvent.Started(Engine.PODMAN, id, null, true));
                } else {
                    post.accept(new WatchEvent.Stopped(Engine.PODMAN, id, null, "poststop"));
                }
            } catch (RuntimeException e) {
                log.warning("hook hand-over: " + e.getMessage() + "; deleted");
            } finally {
                Spool.delete(p);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            if (ws != null) {
                ws.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
