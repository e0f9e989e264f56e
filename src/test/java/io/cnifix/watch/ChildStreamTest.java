package io.cnifix.watch;

import io.cnifix.model.Engine;
import io.cnifix.system.ProcessRunner;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real child process as the event stream: its lines become events; when it ends it is started again. */
class ChildStreamTest {
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

    private static Optional<WatchEvent> parse(String line) {
        return line.startsWith("start ") ? Optional.of(new WatchEvent.Started(Engine.PODMAN, line.substring(6), null)) : Optional.empty();
    }

    @Test
    void linesBecomeEventsAndABrokenStreamIsRestartedWithAResync() throws Exception {
        LinkedBlockingQueue<WatchEvent> q = new LinkedBlockingQueue<>();
        // printf prints two lines and exits: every run of it is a stream that breaks at once
        try (ChildStream s = new ChildStream("printf", List.of("printf", "noise\\nstart abc\\n"), ChildStreamTest::parse, q::add,
                new ProcessRunner(), log, new Backoff(Duration.ofMillis(10), Duration.ofMillis(40))).start()) {
            assertEquals(new WatchEvent.Started(Engine.PODMAN, "abc", null), q.poll(10, TimeUnit.SECONDS));
            WatchEvent second = q.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(WatchEvent.Resync.class, second, "after the break: resync first");
            assertEquals(new WatchEvent.Started(Engine.PODMAN, "abc", null), q.poll(10, TimeUnit.SECONDS), "then the new stream's events");
        }
        synchronized (log) {
            assertTrue(warnings.stream().anyMatch(w -> w.contains("the event stream ended (exit 0)")), warnings.toString());
        }
    }

    @Test
    void closeEndsTheChild() throws Exception {
        LinkedBlockingQueue<WatchEvent> q = new LinkedBlockingQueue<>();
        ChildStream s = new ChildStream("sleep", List.of("sleep", "600"), ChildStreamTest::parse, q::add, new ProcessRunner(), log,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(40))).start();
        long pid = -1;
        for (int i = 0; i < 500 && pid < 0; i++) {
            pid = s.pid();
            Thread.sleep(10);
        }
        assertTrue(pid > 0, "the child runs");
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        assertTrue(h.isPresent());
        s.close();
        assertNotNull(h.get().onExit().get(10, TimeUnit.SECONDS));
        assertFalse(h.get().isAlive());
        Thread.sleep(200);
        assertEquals(-1, s.pid(), "not started again after close");
        assertTrue(q.isEmpty());
    }

    @Test
    void aMissingProgramIsRetriedNotFatal() throws Exception {
        LinkedBlockingQueue<WatchEvent> q = new LinkedBlockingQueue<>();
        try (ChildStream s = new ChildStream("nope", List.of("/nonexistent/cnifix-no-such-program"), ChildStreamTest::parse, q::add,
                new ProcessRunner(), log, new Backoff(Duration.ofMillis(10), Duration.ofMillis(20))).start()) {
            for (int i = 0; i < 500; i++) {
                synchronized (log) {
                    if (warnings.stream().filter(w -> w.contains("cannot listen")).count() >= 2) {
                        break;
                    }
                }
                Thread.sleep(10);
            }
        }
        synchronized (log) {
            assertTrue(warnings.stream().filter(w -> w.contains("cannot listen")).count() >= 2, warnings.toString());
        }
    }

    @Test
    void backoffDoublesUpToItsMaximumAndResets() {
        Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        assertEquals(List.of(200L, 400L, 800L, 1000L, 1000L), List.of(b.next().toMillis(), b.next().toMillis(), b.next().toMillis(),
                b.next().toMillis(), b.next().toMillis()));
        b.reset();
        assertEquals(200, b.next().toMillis());
    }
}
