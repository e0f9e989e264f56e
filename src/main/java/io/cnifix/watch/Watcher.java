package io.cnifix.watch;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.hook.PruneScope;
import io.cnifix.ingest.EngineDnat;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Engine;
import io.cnifix.model.PortMapping;
import io.cnifix.system.Beside;
import io.cnifix.system.LiveContainers;
import io.cnifix.system.LiveHost;
import io.cnifix.system.ProcessRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * {@code cnifix watch}: one thread takes events off one queue and keeps the firewall right, so that no two of its
 * own steps ever race; every change goes through the {@link Applier} under cnifix's lock, beside the OCI hook and
 * the reconcile timer. Sources post to the queue from their own threads.
 */
public final class Watcher {
    /** What to follow and how. {@code podman}/{@code docker}: the programs, or null to leave that engine alone. */
    public record Settings(String podman, String docker, String dockerHost, boolean nftMonitor, boolean firewalld,
                           String dbusAddress, Duration interval, DockerModel model, Set<String> adminChains, Path spoolDir) {
    }

    /** A start seen twice this close together (podman events and the hook's hand-over) is acted on once. */
    static final Duration SAME_START = Duration.ofSeconds(5);

    /** How long a hook's hand-over waits for podman's own start event (see {@link #started}). */
    static final Duration HANDOVER_GRACE = Duration.ofSeconds(1);

    /** Firewall events closer together than this are one change (a reload is dozens of transactions). */
    static final Duration SETTLE = Duration.ofMillis(150);
    private static final Duration INSPECT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(120);

    private final Settings settings;
    private final ProcessRunner runner;
    private final Applier applier;
    private final Log log;
    /** One reader for the whole run: it remembers which iptables back end each program is. */
    private final LiveHost host;
    private final LinkedBlockingDeque<WatchEvent> queue = new LinkedBlockingDeque<>();
    private final Containers containers = new Containers();
    private final List<ChildStream> streams = new ArrayList<>();
    private SpoolReader spool;
    private ChildStream podmanEvents;
    /** When each container was last inspected on a start event (System.nanoTime()). */
    private final java.util.Map<String, Long> startedAt = new java.util.HashMap<>();
    /** Hook hand-overs waiting for podman's start event, oldest first (all wait the same time, so also by due). */
    private final List<Held> held = new ArrayList<>();
    /** Podman ports whose DNAT a network reload did not bring back: not reloaded again until the next resync. */
    private Set<String> dnatNotRestored = Set.of();
    /** Podman's jumps into its own chains as last seen (see {@link EngineFootprint}). */
    private Set<String> footprint = new TreeSet<>();
    /** False until a discovery read the engines: pruning on an empty picture would remove every rule cnifix added. */
    private boolean containersKnown;
    private volatile boolean stopping;
    /**
     * True while the last read showed netavark's nftables table: its rules name no container, so a start cannot be
     * opened from them and goes to inspect at once.
     */
    private boolean nftEngineRules;
    private static final java.util.regex.Pattern NETAVARK_NFT =
            java.util.regex.Pattern.compile("\"family\":\\s*\"inet\",\\s*\"name\":\\s*\"netavark\"");

    public Watcher(Settings settings, ProcessRunner runner, Applier applier, Log log) {
        this.settings = settings;
        this.runner = runner;
        this.applier = applier;
        this.log = log;
        this.host = new LiveHost(runner).sideBySide().skippingEmptyLegacy(Path.of("/proc/net"));
    }

    /** Posts an event from any thread. */
    public void post(WatchEvent e) {
        queue.offerLast(e);
        if (e instanceof WatchEvent.Started) {
            log.debug(describe(e) + ": event arrived"); // when, against when it is handled
        }
    }

    /** The event streams this watcher runs (for tests: their children's pids). */
    public List<ChildStream> streams() {
        return List.copyOf(streams);
    }

    /** Follows the event sources and acts until {@link WatchEvent.Shutdown}; returns then, with every child ended. */
    public void run() {
        try {
            startStreams();
            log.info("watching: " + describe());
            // The streams are listening now, so nothing that happens from here on is missed: read everything once.
            handle(new WatchEvent.Resync("start"));
            long nextTick = System.nanoTime() + settings.interval().toNanos();
            while (true) {
                if (!held.isEmpty() && System.nanoTime() - held.get(0).due() >= 0) {
                    release(held.remove(0).start()); // due, even while other events keep coming
                    requeueDeferred();
                    continue;
                }
                long until = held.isEmpty() ? nextTick : Math.min(nextTick, held.get(0).due());
                WatchEvent e = next(Math.max(0, until - System.nanoTime()));
                if (e == null && !held.isEmpty() && System.nanoTime() - held.get(0).due() >= 0) {
                    continue;
                }
                if (e == null) {
                    nextTick = System.nanoTime() + settings.interval().toNanos();
                    e = new WatchEvent.Resync("timer");
                }
                if (e instanceof WatchEvent.Shutdown) {
                    return;
                }
                if (e instanceof WatchEvent.FirewallChanged && !held.isEmpty()) {
                    // A start is on its way (held for podman's event) and its apply reads the firewall afresh: a
                    // repair pass now, set off by the engine's own rules for that very container, would only hold
                    // the port back (by 240 ms, measured). It runs once no hand-over is held.
                    deferred.add(e);
                    log.debug(describe(e) + ": after the held start");
                    continue;
                }
                try {
                    handle(e);
                } catch (RuntimeException ex) {
                    log.error(describe(e) + ": " + ex.getMessage());
                }
                requeueDeferred();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopping = true;
            streams.forEach(ChildStream::close);
            if (spool != null) {
                spool.close();
            }
            log.info("stopped");
        }
    }

    /**
     * The next event, container events first: a container waiting for its port must not wait behind a repair pass
     * that the engine's own rule changes for that very container set off.
     */
    private WatchEvent next(long waitNanos) throws InterruptedException {
        WatchEvent e = queue.pollFirst(waitNanos, TimeUnit.NANOSECONDS);
        if (e instanceof WatchEvent.FirewallChanged || e instanceof WatchEvent.Resync) {
            WatchEvent c = firstContainerEvent();
            if (c != null) {
                queue.offerFirst(e);
                return c;
            }
        }
        return e;
    }

    private WatchEvent firstContainerEvent() {
        for (WatchEvent x : queue) {
            if ((x instanceof WatchEvent.Started || x instanceof WatchEvent.Stopped) && queue.remove(x)) {
                return x;
            }
        }
        return null;
    }

    private boolean ours(WatchEvent.FirewallChanged f) {
        return runner instanceof OwnProcesses own && own.ours(f.pid());
    }

    private void startStreams() {
        if (settings.podman() != null) {
            podmanEvents = new ChildStream("podman events",
                    List.of(settings.podman(), "events", "--format", "json", "--filter", "type=container"),
                    EventLines::podman, this::post, runner, log, backoff()).start();
            streams.add(podmanEvents);
        }
        if (settings.docker() != null) {
            streams.add(new ChildStream("docker events", docker("events", "--format", "{{json .}}", "--filter", "type=container"),
                    EventLines::docker, this::post, runner, log, backoff()).start());
        }
        if (settings.nftMonitor()) {
            streams.add(new ChildStream("nft monitor", List.of("nft", "monitor"), EventLines::nft, this::post, runner, log,
                    backoff()).start());
        }
        if (settings.spoolDir() != null) {
            spool = new SpoolReader(settings.spoolDir(), this::post, log).start();
        }
        if (settings.firewalld()) {
            List<String> cmd = new ArrayList<>(List.of("dbus-monitor"));
            if (settings.dbusAddress() != null) {
                cmd.addAll(List.of("--address", settings.dbusAddress()));
            } else {
                cmd.add("--system");
            }
            cmd.add("type='signal',interface='org.fedoraproject.FirewallD1',member='Reloaded'");
            cmd.add("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                    + "arg0='org.fedoraproject.FirewallD1'");
            streams.add(new ChildStream("firewalld", cmd, EventLines::dbus, this::post, runner, log, backoff()).start());
        }
    }

    private static Backoff backoff() {
        return new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));
    }

    private String describe() {
        List<String> what = new ArrayList<>();
        if (settings.podman() != null) {
            what.add("podman events");
        }
        if (settings.docker() != null) {
            what.add("docker events");
        }
        if (settings.nftMonitor()) {
            what.add("ruleset changes (nft monitor)");
        }
        if (settings.firewalld()) {
            what.add("firewalld's Reloaded signal and restarts");
        }
        if (settings.spoolDir() != null) {
            what.add("the OCI hook's hand-overs in " + settings.spoolDir());
        }
        what.add("a full reconcile every " + settings.interval().toSeconds() + " s");
        return String.join(", ", what);
    }

    // ------------------------------------------------------------------ events

    void handle(WatchEvent e) throws InterruptedException {
        long t0 = System.nanoTime();
        if (e instanceof WatchEvent.Started s) {
            started(s);
        } else if (e instanceof WatchEvent.Stopped s) {
            stopped(s);
        } else if (e instanceof WatchEvent.FirewallChanged f) {
            if (ours(f)) {
                return; // cnifix's own apply
            }
            String why = f.why() + settle();
            if (firstContainerEventQueued()) {
                queue.offerLast(f); // after the containers waiting for their ports
                return;
            }
            repair(why);
        } else if (e instanceof WatchEvent.Resync r) {
            boolean full = coalesceResyncs() || r.full();
            if (full || !containersKnown) {
                resync(r.why());
            } else {
                quickResync(r.why());
            }
        }
        log.debug(describe(e) + ": handled in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private static String describe(WatchEvent e) {
        if (e instanceof WatchEvent.Started s) {
            return s.engine().name().toLowerCase(Locale.ROOT) + " start " + name(s.name(), s.id());
        }
        if (e instanceof WatchEvent.Stopped s) {
            return s.engine().name().toLowerCase(Locale.ROOT) + " " + s.action() + " " + name(s.name(), s.id());
        }
        if (e instanceof WatchEvent.FirewallChanged f) {
            return f.why();
        }
        if (e instanceof WatchEvent.Resync r) {
            return "resync (" + r.why() + ")";
        }
        return e.toString();
    }

    private static String name(String name, String id) {
        return (name == null ? "" : name + " ") + "(" + Containers.shortId(id) + ")";
    }

    /** Waits until the firewall has been quiet for {@link #SETTLE}, swallowing the changes that came meanwhile. */
    private String settle() throws InterruptedException {
        int more = 0;
        while (true) {
            WatchEvent next = queue.pollFirst(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            if (next == null) {
                break;
            }
            if (!(next instanceof WatchEvent.FirewallChanged f)) {
                queue.offerFirst(next);
                break;
            }
            if (!ours(f)) {
                more++;
            }
        }
        return more == 0 ? "" : " (and " + more + " more change" + (more == 1 ? "" : "s") + ")";
    }

    private boolean firstContainerEventQueued() {
        return queue.stream().anyMatch(x -> x instanceof WatchEvent.Started || x instanceof WatchEvent.Stopped);
    }

    /** Drops the resyncs queued behind this one; true when one of them was a full one. */
    private boolean coalesceResyncs() {
        boolean[] full = {false};
        queue.removeIf(x -> {
            if (x instanceof WatchEvent.Resync r) {
                full[0] |= r.full();
                return true;
            }
            return false;
        });
        return full[0];
    }

    /** Firewall changes that came while a hand-over was held, in order: handled once none is held. */
    private final List<WatchEvent> deferred = new ArrayList<>();

    private void requeueDeferred() {
        if (held.isEmpty() && !deferred.isEmpty()) {
            for (int i = deferred.size() - 1; i >= 0; i--) {
                queue.offerFirst(deferred.get(i));
            }
            deferred.clear();
        }
    }

    /** A hand-over held back, and when it is acted on if podman's start event has not come by then. */
    private record Held(WatchEvent.Started start, long due) {
    }

    /** True while the podman events child runs: its start event, with the labels, is then on its way. */
    private boolean podmanEventsUp() {
        return podmanEvents != null && podmanEvents.pid() > 0;
    }

    /** A held hand-over whose start event did not come: acted on now, as a hand-over. */
    private void release(WatchEvent.Started s) {
        long t0 = System.nanoTime();
        try {
            log.debug(describe(s) + ": no start event within " + HANDOVER_GRACE.toMillis() + " ms: acting on the hand-over");
            startedNow(s);
        } catch (RuntimeException ex) {
            log.error(describe(s) + ": " + ex.getMessage());
        }
        log.debug(describe(s) + ": handled in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private void started(WatchEvent.Started s) {
        if (!s.handover()) {
            held.removeIf(h -> sameId(h.start().id(), s.id())); // the event acts for it
        } else if (podmanEventsUp() && !nftEngineRules && !knownId(s.id())) {
            // The hook hands a start over while podman run still runs; podman's own start event follows within a
            // moment and carries the labels, so the port can open from the engine's rules without waiting for
            // inspect (which waits for podman run to let go). The hand-over is acted on only if that event does
            // not come (a stream that broke just now).
            held.add(new Held(s, System.nanoTime() + HANDOVER_GRACE.toNanos()));
            log.debug(describe(s) + ": held for podman's start event");
            return;
        }
        startedNow(s);
    }

    private static boolean sameId(String a, String b) {
        return a.startsWith(b) || b.startsWith(a);
    }

    private boolean knownId(String id) {
        return containers.all().stream().anyMatch(k -> sameId(k.id(), id));
    }

    private void startedNow(WatchEvent.Started s) {
        String what = describe(s);
        Long seen = startedAt.entrySet().stream().filter(e -> e.getKey().startsWith(s.id()) || s.id().startsWith(e.getKey()))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
        boolean known = containers.all().stream().anyMatch(k -> k.id().startsWith(s.id()) || s.id().startsWith(k.id()));
        if (seen != null && System.nanoTime() - seen < SAME_START.toNanos() && known) {
            log.debug(what + ": handled a moment ago");
            return;
        }
        long t0 = System.nanoTime();
        if (known || s.handover()) {
            // a restart we may have seen no stop of: its old rules go first, so its ports are needed before the apply;
            // a hand-over from the OCI hook comes while podman run still runs: the reads wait until it let go
            Containers.Known k = inspect(s, what, t0);
            if (k == null) {
                return;
            }
            Containers.Known before = containers.remove(k.id());
            remember(k);
            if (k.mappings().isEmpty()) {
                log.debug(what + ": no published port with a container address");
                return;
            }
            if (before != null && !before.mappings().equals(k.mappings())) {
                pruneFor(before, what + " (old address)");
            }
            long ta = System.nanoTime();
            report(what, applier.apply(() -> live(List.of(k.inspect())), true, false, UnaryOperator.identity()), ta);
            return;
        }
        if (s.engine() == Engine.PODMAN && s.about() != null && !nftEngineRules) {
            fromRulesFirst(s, what, t0);
            return;
        }
        // A container not seen yet: its inspect runs side by side with the lock and the host reads, so the port
        // waits for the slower of the two instead of their sum. Only its own rules are added (add, no prune), so
        // nothing depends on its ports before the apply; a container without published ports plans nothing.
        Beside<Containers.Known> inspect = new Beside<>("watch-inspect", () -> inspect(s, what, t0));
        Applier.Outcome o = applier.apply(() -> {
            Beside<StateSources> reads = new Beside<>("watch-read-host", () -> live(List.of()));
            Containers.Known k = inspect.get();
            StateSources read = reads.get();
            return k == null || k.mappings().isEmpty() ? read
                    : read.plus(ports(k.inspect()));
        }, true, false, UnaryOperator.identity());
        settle(what, inspect.get(), o, t0);
    }

    /**
     * Keeps what inspect said of a started container and reports the apply made for it; a failed apply is said even
     * when it turned out to have nothing of its own to do.
     */
    private void settle(String what, Containers.Known k, Applier.Outcome o, long t0) {
        if (k != null) {
            containers.remove(k.id());
            remember(k);
            if (k.mappings().isEmpty()) {
                log.debug(what + ": no published port with a container address");
            }
        }
        if (k != null && !k.mappings().isEmpty() || !o.ok()) {
            report(what, o, t0);
        }
    }

    /**
     * A Podman container not seen yet whose start event carried its labels: its ports are taken from the engine's
     * DNAT rules in the host read the apply makes anyway, and opened at once; {@code podman inspect} (most of a
     * start's time) runs after the apply, and what it says corrects anything the rules told wrong. When the rules do
     * not give its ports (none published, a shape not understood, another container's rule in the way), the inspect
     * runs inside the apply instead, as without this path.
     */
    private void fromRulesFirst(WatchEvent.Started s, String what, long t0) {
        Containers.Known[] fromRules = {null};
        Containers.Known[] inspected = {null};
        boolean[] asked = {false};
        String[] why = {null};
        Applier.Outcome o = applier.apply(() -> {
            StateSources read = live(List.of());
            List<InputText> dumps = new ArrayList<>(read.rules());
            dumps.addAll(read.otherBackEnd());
            EngineDnat.Found f = EngineDnat.of(s.id(), s.name(), dumps);
            fromRules[0] = Containers.fromRules(s.id(), s.name(), s.about(), f.mappings());
            if (fromRules[0] != null) {
                return read.plus(ports(fromRules[0].inspect()));
            }
            why[0] = f.problem() != null ? f.problem() : "its ports there are not one container's";
            if (!asked[0]) {
                asked[0] = true;
                inspected[0] = inspect(s, what, t0);
            }
            Containers.Known k = inspected[0];
            return k == null || k.mappings().isEmpty() ? read : read.plus(ports(k.inspect()));
        }, true, false, UnaryOperator.identity());
        Containers.Known p = fromRules[0];
        if (p == null) {
            log.debug(what + ": not from the engine's rules (" + why[0] + "): from podman inspect");
            settle(what, asked[0] ? inspected[0] : inspect(s, what, t0), o, t0);
            return;
        }
        containers.remove(p.id());
        remember(p);
        report(what + " (its ports from the engine's DNAT rules)", o, t0);
        long ti = System.nanoTime();
        Containers.Known k = inspect(s, what, ti);
        if (k == null) {
            return; // gone already (its stop event prunes what was opened), or unreadable (said): the rules' picture stays
        }
        containers.remove(k.id());
        remember(k);
        Correction c = Correction.of(p, k);
        if (c == null && o.ok()) {
            log.debug(what + ": podman inspect agrees with the engine's rules");
            return;
        }
        if (c != null) {
            log.info(what + ": podman inspect differs from the engine's rules (" + c.why() + "): correcting");
            if (!c.prune().isEmpty()) {
                List<io.cnifix.model.PortMapping> others = new ArrayList<>(containers.mappingsExcept(k.id()));
                if (c.prune().size() < p.mappings().size()) {
                    others.addAll(k.mappings()); // only the mappings the engine does not have go
                }
                long tp = System.nanoTime();
                report(what + " (corrected)", applier.apply(this::rulesOnly, false, true,
                        plan -> PruneScope.onlyFor(plan, c.prune(), others)), tp);
            }
        }
        if (c == null || c.reapply()) {
            long ta = System.nanoTime();
            report(what + (c == null ? " (again, after a failed apply)" : " (corrected)"),
                    applier.apply(() -> live(List.of(k.inspect())), true, false, UnaryOperator.identity()), ta);
        }
    }

    private static StateSources ports(InputText inspect) {
        return new StateSources(List.of(), List.of(inspect), List.of(), List.of(), List.of(), List.of());
    }

    private void remember(Containers.Known k) {
        containers.put(k);
        startedAt.put(k.id(), System.nanoTime());
    }

    /** The container's inspect, read into what the watcher keeps; null (and said why) when it cannot be read. */
    private Containers.Known inspect(WatchEvent.Started s, String what, long t0) {
        ProcessRunner.Result r = runner.run(inspectCommand(s.engine(), s.id()), null, INSPECT_TIMEOUT);
        log.debug(what + ": inspect took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        if (!r.ok()) {
            String err = r.stderr().toLowerCase(Locale.ROOT);
            if (err.contains("no such")) {
                log.debug(what + ": the container is gone already");
            } else {
                log.error(what + ": cannot read its ports: " + r.describe());
            }
            return null;
        }
        return Containers.fromInspect(s.engine(), s.id(), new InputText(
                s.engine().name().toLowerCase(Locale.ROOT) + " inspect " + Containers.shortId(s.id()), r.stdout()));
    }

    private void stopped(WatchEvent.Stopped s) {
        held.removeIf(h -> sameId(h.start().id(), s.id()));
        startedAt.keySet().removeIf(id -> id.startsWith(s.id()) || s.id().startsWith(id));
        Containers.Known k = containers.remove(s.id());
        if (k == null || k.mappings().isEmpty()) {
            return; // not ours to act on, or already handled by an earlier event of the same stop
        }
        pruneFor(k, describe(s));
    }

    private void pruneFor(Containers.Known k, String what) {
        List<PortMapping> others = containers.mappingsExcept(k.id());
        long t0 = System.nanoTime();
        Applier.Outcome o = applier.apply(this::rulesOnly, false, true, plan -> PruneScope.onlyFor(plan, k.mappings(), others));
        report(what, o, t0);
    }

    /**
     * Full discovery (the engines asked again), then a repair. Run at start, after a stream reconnected, and on the
     * timer: the safety net for events nobody reported.
     */
    private void resync(String why) {
        LiveContainers.Capture c = new LiveContainers(runner).discover(new LiveContainers.Options(
                settings.podman() == null ? LiveContainers.NONE : settings.podman(),
                settings.docker() == null ? LiveContainers.NONE : settings.docker(), settings.dockerHost()));
        List<Containers.Known> all = new ArrayList<>();
        for (LiveContainers.Item i : c.ports()) {
            if (i.path().endsWith("podman-inspect.json")) {
                all.addAll(Containers.split(Engine.PODMAN, i.text()));
            } else if (i.path().endsWith("docker-inspect.json")) {
                all.addAll(Containers.split(Engine.DOCKER, i.text()));
            }
        }
        containers.replaceAll(all, c.networkTexts());
        containersKnown = !c.ports().isEmpty();
        if (!containersKnown) {
            log.warning("resync (" + why + "): no engine answered (" + String.join("; ", c.notes()) + "); not pruning");
        }
        dnatNotRestored = Set.of();
        footprint = new TreeSet<>();
        repair("resync (" + why + ", " + all.size() + " container" + (all.size() == 1 ? "" : "s") + ")");
    }

    /**
     * After a stream break: asks each followed engine only which containers run ({@code ps}), inspects those not
     * known yet, forgets those gone, then repairs. A failing engine falls back to a full resync.
     */
    private void quickResync(String why) {
        for (Engine engine : List.of(Engine.PODMAN, Engine.DOCKER)) {
            String exe = engine == Engine.PODMAN ? settings.podman() : settings.docker();
            if (exe == null) {
                continue;
            }
            List<String> ps = engine == Engine.PODMAN ? List.of(exe, "ps", "-q", "--no-trunc") : docker("ps", "-q", "--no-trunc");
            ProcessRunner.Result r = runner.run(ps, null, INSPECT_TIMEOUT);
            if (!r.ok()) {
                log.warning(why + ": " + r.describe() + "; reading everything again");
                resync(why);
                return;
            }
            Set<String> running = new java.util.LinkedHashSet<>();
            for (String line : r.stdout().split("\n")) {
                if (!line.isBlank()) {
                    running.add(line.strip());
                }
            }
            for (Containers.Known k : containers.all()) {
                if (k.engine() == engine && !running.contains(k.id())) {
                    containers.remove(k.id());
                }
            }
            List<String> fresh = running.stream().filter(id -> containers.all().stream().noneMatch(k -> k.id().equals(id))).toList();
            if (!fresh.isEmpty()) {
                List<String> cmd = new ArrayList<>(inspectCommand(engine, fresh.get(0)));
                cmd.addAll(fresh.subList(1, fresh.size()));
                ProcessRunner.Result i = runner.run(cmd, null, INSPECT_TIMEOUT);
                if (!i.ok()) {
                    log.warning(why + ": " + i.describe() + "; reading everything again");
                    resync(why);
                    return;
                }
                Containers.split(engine, new InputText(engine.name().toLowerCase(Locale.ROOT) + " inspect", i.stdout()))
                        .forEach(containers::put);
            }
        }
        dnatNotRestored = Set.of();
        repair("resync (" + why + ", " + containers.size() + " container" + (containers.size() == 1 ? "" : "s") + ")");
    }

    /**
     * The firewall changed (or might have): bring back an engine's lost DNAT where the engine does not do it itself,
     * then add what the known containers need and prune what none needs, in one apply.
     */
    private void repair(String why) {
        restoreEngineRules(why);
        if (firstContainerEventQueued()) {
            // a container came while the engine's rules were checked (the engine's own rule changes for it set this
            // pass off): its port goes first; the repair follows it, from a fresh read
            log.debug(why + ": after the container events queued meanwhile");
            queue.offerLast(new WatchEvent.FirewallChanged(why));
            return;
        }
        long t0 = System.nanoTime();
        Applier.Outcome o = applier.apply(() -> live(containers.inspects()), true, containersKnown, UnaryOperator.identity());
        report(why, o, t0);
    }

    /**
     * A firewalld reload or restart, or a flush, removes the engine's own DNAT. Docker puts it back on firewalld's
     * signal; Podman with CNI, and netavark before 1.9, do not: {@code podman network reload --all} does.
     */
    private void restoreEngineRules(String why) {
        StateSources rules = host.rules();
        Set<String> footprint = footprint(rules);
        if (containers.size() == 0) {
            this.footprint = footprint;
            return;
        }
        Set<String> podmanLost = new TreeSet<>();
        for (String j : this.footprint) {
            if (!footprint.contains(j)) {
                podmanLost.add("jump " + j);
            }
        }
        for (PortReport p : missingDnat(rules)) {
            if (p.mapping().engine() == Engine.PODMAN) {
                podmanLost.add("DNAT of " + key(p.mapping()));
            } else {
                log.warning(why + ": " + key(p.mapping()) + " has lost its DNAT; Docker restores it on firewalld's reload"
                        + " signal, else restart docker.service");
            }
        }
        boolean podmanRuns = containers.all().stream().anyMatch(k -> k.engine() == Engine.PODMAN && !k.mappings().isEmpty());
        if (podmanLost.isEmpty() || !podmanRuns || settings.podman() == null || dnatNotRestored.containsAll(podmanLost)) {
            this.footprint.addAll(footprint);
            return;
        }
        long t0 = System.nanoTime();
        ProcessRunner.Result r = runner.run(List.of(settings.podman(), "network", "reload", "--all"), null, RELOAD_TIMEOUT);
        log.info(why + ": Podman's rules are gone (" + String.join(", ", podmanLost) + "); podman network reload --all "
                + (r.ok() ? "done" : "failed: " + r.describe()) + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        StateSources after = host.rules();
        Set<String> still = new TreeSet<>();
        Set<String> now = footprint(after);
        for (String j : this.footprint) {
            if (!now.contains(j)) {
                still.add("jump " + j);
            }
        }
        for (PortReport p : missingDnat(after)) {
            if (p.mapping().engine() == Engine.PODMAN) {
                still.add("DNAT of " + key(p.mapping()));
            }
        }
        if (!still.isEmpty()) {
            log.error(why + ": podman network reload did not restore " + still + "; not trying again until the next resync");
        }
        dnatNotRestored = still;
        this.footprint = new TreeSet<>(now);
    }

    private static Set<String> footprint(StateSources rules) {
        Set<String> out = new TreeSet<>();
        for (InputText t : rules.rules()) {
            out.addAll(EngineFootprint.of(t.content()).stream().map(j -> t.name() + ": " + j).toList());
        }
        return out;
    }

    private List<PortReport> missingDnat(StateSources rules) {
        StateSources s = rules.plus(new StateSources(List.of(), containers.inspects(), containers.networks(), List.of(), List.of(), List.of()));
        List<PortReport> out = new ArrayList<>();
        for (PortReport p : new Comparer(HostStateBuilder.build(s), settings.model(), settings.adminChains()).compare().ports()) {
            if (p.status() == PortStatus.MISSING_DNAT) {
                out.add(p);
            }
        }
        return out;
    }

    private static String key(PortMapping m) {
        return m.containerName() + " " + m.protocol() + "/" + m.hostPort();
    }

    /** The live rules, addresses and routes, with the given containers and the known networks. */
    private StateSources live(List<InputText> inspects) {
        LiveHost live = host;
        // the three reads are independent programs: side by side, a container's port waits for the slowest, not the sum
        long t0 = System.nanoTime();
        Beside<StateSources> nft = new Beside<>("watch-read-nft", live::nft);
        Beside<StateSources> ip = new Beside<>("watch-read-ip", live::addressesAndRoutes);
        StateSources rules = live.rules();
        long tr = System.nanoTime();
        StateSources n = nft.get();
        long tn = System.nanoTime();
        StateSources a = ip.get();
        nftEngineRules = n.nft().stream().anyMatch(t -> NETAVARK_NFT.matcher(t.content()).find());
        log.debug("read: iptables " + (tr - t0) / 1_000_000 + " ms, nft by " + (tn - t0) / 1_000_000 + " ms, ip by "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return rules.plus(n).plus(a)
                .plus(new StateSources(List.of(), inspects, containers.networks(), List.of(), List.of(), List.of()));
    }

    private StateSources rulesOnly() {
        return host.rules();
    }

    private List<String> inspectCommand(Engine engine, String id) {
        return engine == Engine.DOCKER ? docker("inspect", "--type", "container", id)
                : List.of(settings.podman(), "inspect", "--type", "container", id);
    }

    private List<String> docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(settings.docker()));
        if (settings.dockerHost() != null) {
            cmd.addAll(List.of("-H", settings.dockerHost()));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void report(String what, Applier.Outcome o, long t0) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!o.ok()) {
            log.error(what + ": failed (exit " + o.exitCode() + ", " + ms + " ms): " + o.error());
            return;
        }
        for (String u : o.untouched()) {
            log.warning(what + ": left alone: " + u);
        }
        if (o.changes().isEmpty()) {
            log.debug(what + ": nothing to change (" + ms + " ms)");
        } else {
            log.info(what + ": " + String.join("; ", o.changes()) + " (" + ms + " ms)");
        }
        if (!o.steps().isEmpty()) {
            log.debug(what + ": apply steps: " + o.steps());
        }
    }

    boolean stopping() {
        return stopping;
    }
}
