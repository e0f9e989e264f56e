package io.cnifix.watch;

import io.cnifix.engine.compare.DockerModel;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Engine;
import io.cnifix.system.ProcessRunner;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the watcher acts on a Podman start: which sources each apply is given and when podman inspect runs, against
 * a host behind the process runner (iptables-save prints the rules real Podman 4.3 with netavark wrote; podman
 * inspect prints what the test says) and an applier that records what it was asked.
 */
class WatcherStartTest {
    private static final String WEB = "234fe35c4e49a143640127d25430c167ba1b6eb2ed216b467215b0033979e61c";
    private static final WatchEvent.About ABOUT = new WatchEvent.About("localhost/cnifix-busybox:latest", Map.of());
    private static final String PORTS = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
            + "\"90/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8090\"}],"
            + "\"9000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000\"}],\"9001/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9001\"}]}";

    /** What happened, in order: the programs run ("run podman inspect") and the applies ("apply add ...") */
    private final List<String> steps = new ArrayList<>();
    private final List<StateSources> applied = new ArrayList<>();
    private final List<String> logged = java.util.Collections.synchronizedList(new ArrayList<>());

    private final class Host extends ProcessRunner {
        String rules;
        String inspect;

        @Override
        public Result run(List<String> command, String stdin, Duration timeout) {
            synchronized (steps) {
                steps.add("run " + String.join(" ", command.subList(0, Math.min(2, command.size()))));
            }
            if (command.get(0).equals("iptables-save") && command.size() == 1) {
                return new Result(command, 0, rules, "");
            }
            if (command.get(0).equals("podman") && command.get(1).equals("inspect")) {
                return new Result(command, 0, inspect, "");
            }
            return new Result(command, 127, "", command.get(0) + ": not here");
        }

        /** The event streams: a child that stays up and says nothing (events come from the test). */
        @Override
        public Process start(List<String> command) {
            try {
                return new ProcessBuilder("sleep", "60").start();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean exists(String program) {
            return program.equals("iptables-save") || program.equals("podman");
        }
    }

    private Watcher watcher(Host host) {
        Applier applier = (sources, add, prune, scope) -> {
            StateSources s = sources.get();
            synchronized (steps) {
                steps.add("apply " + (add ? "add" : "") + (prune ? "prune" : "") + " " + s.ports().stream().map(InputText::name).toList());
            }
            applied.add(s);
            return new Applier.Outcome(0, List.of("changed"), List.of(), null);
        };
        Log log = new Log() {
            public void error(String m) { logged.add("E " + m); }
            public void warning(String m) { logged.add("W " + m); }
            public void info(String m) { logged.add("I " + m); }
            public void debug(String m) { logged.add("D " + m); }
        };
        Watcher.Settings settings = new Watcher.Settings("podman", null, null, false, false, null, Duration.ofHours(1),
                DockerModel.CURRENT, Set.of(), null);
        return new Watcher(settings, host, applier, log);
    }

    private static String inspect(String ip, String labels) {
        return "[{\"Id\":\"" + WEB + "\",\"Name\":\"web\",\"ImageName\":\"localhost/cnifix-busybox:latest\",\"OCIRuntime\":\"crun\","
                + "\"Config\":{\"Labels\":" + labels + "},\"HostConfig\":{\"NetworkMode\":\"bridge\"},"
                + "\"NetworkSettings\":{\"IPAddress\":\"" + ip + "\",\"Ports\":" + PORTS + ",\"Networks\":{\"podman\":{\"IPAddress\":\"" + ip + "\"}}}}]";
    }

    private Host host(String inspect) throws Exception {
        Host h = new Host();
        h.rules = Files.readString(Path.of("src/test/resources/io/cnifix/ingest/engine-dnat/netavark14-podman43.txt"));
        h.inspect = inspect;
        return h;
    }

    private List<String> flow() {
        return steps.stream().filter(s -> s.startsWith("apply") || s.startsWith("run podman")).toList();
    }

    @Test
    void theRulesOpenThePortBeforeInspectRunsAndAnAgreeingInspectChangesNothing() throws Exception {
        Watcher w = watcher(host(inspect("10.88.0.2", "{}")));
        w.handle(new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
        assertEquals(List.of("apply add [podman's DNAT rules for 234fe35c4e49]", "run podman inspect"), flow());
        assertTrue(logged.stream().anyMatch(l -> l.contains("inspect agrees")), logged.toString());
        // the same start again (podman events and the hook's hand-over) is acted on once
        w.handle(new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
        assertEquals(2, flow().size());
    }

    @Test
    void anInspectThatDisagreesPrunesAndAppliesTheEnginesAnswer() throws Exception {
        Watcher w = watcher(host(inspect("10.88.0.9", "{}")));
        w.handle(new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
        assertEquals(List.of("apply add [podman's DNAT rules for 234fe35c4e49]", "run podman inspect", "apply prune []",
                "apply add [podman inspect 234fe35c4e49]"), flow());
        assertTrue(logged.stream().anyMatch(l -> l.startsWith("I ") && l.contains("differs")), logged.toString());
        // what is remembered for the stop is the engine's answer: the stop prunes for 10.88.0.9
        w.handle(new WatchEvent.Stopped(Engine.PODMAN, WEB, "web", "died"));
        assertEquals("apply prune []", flow().get(4));
    }

    @Test
    void aContainerTheRulesDoNotNameIsInspectedInsideTheApply() throws Exception {
        Host h = host(inspect("10.88.0.2", "{}"));
        h.rules = "*nat\nCOMMIT\n";
        watcher(h).handle(new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
        assertEquals(List.of("run podman inspect", "apply add [podman inspect 234fe35c4e49]"), flow());
        assertTrue(logged.stream().anyMatch(l -> l.contains("not from the engine's rules")), logged.toString());
    }

    @Test
    void aStartWithoutItsLabelsWaitsForInspect() throws Exception {
        watcher(host(inspect("10.88.0.2", "{}"))).handle(new WatchEvent.Started(Engine.PODMAN, WEB, "web"));
        List<String> f = flow();
        assertEquals(List.of("run podman inspect", "apply add [podman inspect 234fe35c4e49]"), f);
        assertFalse(applied.get(0).ports().stream().anyMatch(t -> t.name().contains("DNAT rules")));
    }

    /** Runs the watcher (its podman events child is up) until {@code until} is logged; returns the log then. */
    private List<String> running(Watcher w, String until, WatchEvent... events) throws Exception {
        Thread t = new Thread(w::run, "watcher-under-test");
        t.start();
        try {
            await("resync (start");
            await("podman events: listening");
            for (WatchEvent e : events) {
                w.post(e);
            }
            await(until);
            return List.copyOf(logged);
        } finally {
            w.post(new WatchEvent.Shutdown());
            t.join(10_000);
        }
    }

    private void await(String text) throws InterruptedException {
        for (int i = 0; i < 1000 && logged.stream().noneMatch(l -> l.contains(text)); i++) {
            Thread.sleep(10);
        }
        assertTrue(logged.stream().anyMatch(l -> l.contains(text)), "no '" + text + "' in " + logged);
    }

    @Test
    void aHandOverWaitsForPodmansStartEventWhichOpensThePortFromTheRules() throws Exception {
        Watcher w = watcher(host(inspect("10.88.0.2", "{}")));
        List<String> log = running(w, "inspect agrees", new WatchEvent.Started(Engine.PODMAN, WEB, null, true),
                new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
        assertTrue(log.stream().anyMatch(l -> l.contains("held for podman's start event")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("its ports from the engine's DNAT rules")), log.toString());
        assertFalse(log.stream().anyMatch(l -> l.contains("acting on the hand-over")), log.toString());
    }

    @Test
    void aHandOverWhoseStartEventNeverComesIsActedOnAsBefore() throws Exception {
        Watcher w = watcher(host(inspect("10.88.0.2", "{}")));
        List<String> log = running(w, "podman start (234fe35c4e49): changed", new WatchEvent.Started(Engine.PODMAN, WEB, null, true));
        assertTrue(log.stream().anyMatch(l -> l.contains("acting on the hand-over")), log.toString());
        assertTrue(flow().contains("apply add [podman inspect 234fe35c4e49]"), flow().toString());
        assertFalse(log.stream().anyMatch(l -> l.contains("its ports from the engine's DNAT rules")), log.toString());
    }

    @Test
    void aFirewallChangeWhileAHandOverIsHeldIsRepairedAfterTheStart() throws Exception {
        Watcher w = watcher(host(inspect("10.88.0.2", "{}")));
        Thread t = new Thread(w::run, "watcher-under-test");
        t.start();
        try {
            await("podman events: listening");
            // the hand-over and the engine's rule change come first; podman's start event only once the change waits
            w.post(new WatchEvent.Started(Engine.PODMAN, WEB, null, true));
            w.post(new WatchEvent.FirewallChanged("ruleset changed by the engine", 0));
            await("ruleset changed by the engine: after the held start");
            assertFalse(logged.stream().anyMatch(l -> l.contains("ruleset changed by the engine: handled in")), logged.toString());
            w.post(new WatchEvent.Started(Engine.PODMAN, WEB, "web", false, ABOUT));
            await("ruleset changed by the engine: handled in");
            List<String> log = List.copyOf(logged);
            int opened = indexOf(log, "its ports from the engine's DNAT rules");
            assertTrue(opened >= 0 && opened < indexOf(log, "ruleset changed by the engine: handled in"), log.toString());
            assertFalse(log.stream().anyMatch(l -> l.contains("acting on the hand-over")), log.toString());
        } finally {
            w.post(new WatchEvent.Shutdown());
            t.join(10_000);
        }
    }

    private static int indexOf(List<String> log, String text) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
