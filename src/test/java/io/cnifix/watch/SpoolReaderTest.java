package io.cnifix.watch;

import io.cnifix.model.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hook's hand-overs as the wrapper writes them (a .tmp file renamed to .json) reach the watcher as events. */
class SpoolReaderTest {
    private static final String ID = "2498067b1f6a91d219e218f7305bd1b6dcb172549f0024cf32d9812d4ff79589";

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Log log = new Log() {
        @Override
        public void error(String m) {
            warnings.add(m);
        }

        @Override
        public synchronized void warning(String m) {
            warnings.add(m);
        }

        @Override
        public void info(String m) {
        }

        @Override
        public void debug(String m) {
        }
    };

    private Path handOver(String name, String stage, String state) throws Exception {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, "cnifix-hook-v1 " + stage + " 4242 777\n" + state + "\n");
        Path done = dir.resolve(name + ".json");
        Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        return done;
    }

    @Test
    void leftoversAreDroppedAtStartAndNewHandOversBecomeEventsInOrder() throws Exception {
        Path old = handOver("00000000000001.1.poststart", "poststart", "{\"id\":\"old\"}");
        LinkedBlockingQueue<WatchEvent> q = new LinkedBlockingQueue<>();
        try (SpoolReader r = new SpoolReader(dir, q::add, log).start()) {
            assertFalse(Files.exists(old), "what the hook left while no watch ran is dropped (the first reconcile covers it)");
            Path a = handOver("00000000000100.2.poststart", "poststart", "{\"ociVersion\":\"1.0.2\",\"id\":\"" + ID + "\",\"pid\":4242}");
            assertEquals(new WatchEvent.Started(Engine.PODMAN, ID, null, true), q.poll(10, TimeUnit.SECONDS), "a hand-over");
            Path b = handOver("00000000000200.3.poststop", "poststop", "{\"id\":\"" + ID + "\"}");
            assertEquals(new WatchEvent.Stopped(Engine.PODMAN, ID, null, "poststop"), q.poll(10, TimeUnit.SECONDS));
            for (int i = 0; i < 100 && (Files.exists(a) || Files.exists(b)); i++) {
                Thread.sleep(20);
            }
            assertFalse(Files.exists(a) || Files.exists(b), "taken hand-overs are deleted");
        }
    }

    @Test
    void badHandOversAreLoggedAndDeleted() throws Exception {
        LinkedBlockingQueue<WatchEvent> q = new LinkedBlockingQueue<>();
        try (SpoolReader r = new SpoolReader(dir, q::add, log).start()) {
            Path noId = handOver("00000000000300.4.poststart", "poststart", "{\"id\":\"../../etc\"}");
            Path junk = dir.resolve("00000000000400.5.poststart.json");
            Files.writeString(junk, "not a hand-over\n");
            for (int i = 0; i < 250 && (Files.exists(noId) || Files.exists(junk)); i++) {
                Thread.sleep(20);
            }
            assertFalse(Files.exists(noId) || Files.exists(junk));
            assertTrue(q.isEmpty(), q.toString());
        }
        synchronized (log) {
            assertTrue(warnings.stream().anyMatch(w -> w.contains("no container id")), warnings.toString());
            assertTrue(warnings.stream().anyMatch(w -> w.contains("no cnifix-hook-v1 header")), warnings.toString());
        }
    }
}
