package io.cnifix.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.hook.ProcStat;
import io.cnifix.hook.RecordStore;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.PortMapping;
import io.cnifix.remedy.OwnedRule;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Removal;
import io.cnifix.system.Journal;
import io.cnifix.system.LiveHost;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.Root;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * The OCI hook (scripts/hooks/cnifix-hook.json). Podman runs it with the container's state on standard input.
 * <ul>
 * <li>poststart: Podman holds the container's lock while poststart hooks run, so a {@code podman inspect} from the
 * hook would wait for the hook: a deadlock. The hook therefore only starts a detached worker (the same program with
 * {@code --worker ID}) and returns at once; the worker's {@code podman inspect} goes through as soon as Podman lets
 * go, and the worker applies the rules that container's published ports need (suggest --apply, scoped to it) and
 * records them in the state directory.</li>
 * <li>poststop (Podman runs it after the container is deleted from the runtime: on stop, on exit, on rm): removes
 * cnifix's rules for the addresses and ports recorded at poststart, unless another recorded container uses them.
 * It asks Podman nothing, so it runs in the hook itself. A container without a record (no published ports) costs a
 * file lookup.</li>
 * </ul>
 * The hook always exits 0: a cnifix failure never stops a container. What it did, and any failure, goes to the
 * system log (logger -t cnifix) or {@code --log-file}.
 */
@Command(name = "hook", mixinStandardHelpOptions = true,
        description = {"OCI hook entry point (see scripts/hooks/): reads the container state (OCI runtime state JSON) on standard input.",
                "poststart: opens the container's published ports (in a detached worker: Podman holds the container's lock while the hook runs);"
                        + " poststop: removes the rules cnifix added for that container.",
                "Always exits 0; logs to the system log (logger -t cnifix) or --log-file."})
final class HookCommand implements Callable<Integer> {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final int MAX_STATE = 1 << 20;
    private static final String TAG = "cnifix";

    private final CliContext ctx;

    @Parameters(index = "0", arity = "0..1", paramLabel = "STAGE", description = "poststart or poststop (other stages are ignored).")
    String stage;

    @Option(names = "--podman", paramLabel = "CMD", description = "The podman command asked for the container's ports (default ${DEFAULT-VALUE}; a wrapper for podman with non-default storage options).")
    String podman = "podman";

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the hook records each container's ports between poststart and poststop (default ${DEFAULT-VALUE}).")
    Path stateDir = Path.of("/run/cnifix/hook");

    @Option(names = "--log-file", paramLabel = "FILE", description = "Append the log here instead of the system log.")
    Path logFile;

    @Option(names = "--backup-dir", paramLabel = "DIR", description = "Where the ruleset is saved before a change (default ${DEFAULT-VALUE}).")
    Path backupDir = Path.of("/var/lib/cnifix/backups");

    @Option(names = "--wait", paramLabel = "SECONDS", description = "How long to wait for the xtables lock and cnifix's own lock (default ${DEFAULT-VALUE}).")
    String waitSeconds = "30";

    @Option(names = "--lock-file", paramLabel = "FILE", hidden = true, description = "cnifix's own lock (default ${DEFAULT-VALUE}).")
    Path lockFile = Path.of("/run/cnifix.lock");

    @Option(names = "--foreground", description = "poststart: do the work in the hook itself (only for a runtime that does not hold the container's lock while hooks run).")
    boolean foreground;

    @Option(names = "--spooled", paramLabel = "FILE", hidden = true,
            description = "Internal: the hand-over the hook wrapper wrote (stage, PID, start time, state); this process is the detached worker.")
    Path spooled;

    @Option(names = "--worker", paramLabel = "ID", hidden = true, description = "Internal: the detached poststart worker for container ID.")
    String worker;

    @Option(names = "--pid", paramLabel = "PID", hidden = true, description = "Internal: the container's PID, from the OCI state, for the worker.")
    long pid;

    @Option(names = "--pid-start", paramLabel = "TICKS", hidden = true, description = "Internal: that process's start time (field 22 of /proc/PID/stat).")
    long pidStart;

    @Option(names = "--proc", paramLabel = "DIR", hidden = true, description = "Internal (tests): where /proc is (default ${DEFAULT-VALUE}).")
    Path procRoot = Path.of("/proc");

    @Option(names = {"-v", "--verbose"}, description = "Also log when there was nothing to do.")
    boolean verbose;

    @Option(names = "--debug", description = "Log stack traces of failures.")
    boolean debug;

    /** Anything else on the hook's command line is logged, not fatal: a typo in a hook file must not stop containers. */
    @Unmatched
    List<String> unmatched = new ArrayList<>();

    HookCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    private Journal journal;

    /** With --verbose: every command the hook runs, and how long it took, goes to the log. */
    private final class Timed extends ProcessRunner {
        private final ProcessRunner inner;

        Timed(ProcessRunner inner) {
            this.inner = inner;
        }

        @Override
        public Result run(List<String> command, String stdin, Duration timeout) {
            long t0 = System.nanoTime();
            Result r = inner.run(command, stdin, timeout);
            if (!command.get(0).equals("logger")) {
                journal.info("ran " + String.join(" ", command.subList(0, Math.min(3, command.size())))
                        + (command.size() > 3 ? " ..." : "") + ": exit " + r.exitCode() + ", " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            return r;
        }

        @Override
        public boolean exists(String program) {
            return inner.exists(program);
        }
    }

    @Override
    public Integer call() {
        journal = new Journal(ctx.runner(), ctx.err(), logFile, TAG);
        try {
            if (!unmatched.isEmpty()) {
                journal.warning("hook: ignoring unknown arguments " + unmatched);
            }
            if (worker != null) {
                poststartWork(worker);
            } else if (spooled != null) {
                fromSpool();
            } else if ("poststart".equals(stage)) {
                poststart(readState());
            } else if ("poststop".equals(stage)) {
                poststop(readState());
            } else {
                journal.warning("hook: stage " + (stage == null ? "missing" : "'" + stage + "' ignored")
                        + " (the hook file should pass poststart or poststop)");
            }
        } catch (RuntimeException | Error e) {
            boolean known = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof io.cnifix.system.EnvironmentException || e instanceof UsageException;
            String msg = e instanceof io.cnifix.ingest.InputException ie ? ie.oneLine() : known ? e.getMessage() : e.toString();
            journal.error("hook " + (worker != null ? "poststart worker" : stage) + ": " + msg);
            if (debug) {
                e.printStackTrace(ctx.err());
            }
        }
        return 0;
    }

    /** The fields of the OCI state cnifix uses. */
    record State(String id, long pid) {
    }

    private State readState() {
        String text;
        try {
            InputStream in = ctx.in();
            byte[] b = in.readNBytes(MAX_STATE);
            text = new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the container state on standard input: " + e.getMessage(), e);
        }
        return parseState(text);
    }

    static State parseState(String text) {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("standard input is not the OCI container state (JSON): " + e.getMessage());
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("id") || !root.getAsJsonObject().get("id").isJsonPrimitive()) {
            throw new IllegalArgumentException("standard input is not the OCI container state: no \"id\"");
        }
        JsonObject o = root.getAsJsonObject();
        String id = o.get("id").getAsString();
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + cut(id) + "' is not a container id");
        }
        long pid = 0;
        JsonElement p = o.get("pid");
        if (p != null && p.isJsonPrimitive() && p.getAsJsonPrimitive().isNumber()) {
            pid = p.getAsLong();
        }
        return new State(id, pid);
    }

    private static String cut(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /**
     * The detached worker the hook wrapper started (it returned to the runtime at once): the state comes from the
     * wrapper's hand-over file, with the PID's start time read while the container ran. poststart does its work
     * here, in this process, with no further worker.
     */
    private void fromSpool() {
        io.cnifix.hook.Spool.Handover h;
        try {
            h = io.cnifix.hook.Spool.read(spooled);
        } finally {
            io.cnifix.hook.Spool.delete(spooled);
        }
        if (stage != null && !stage.equals(h.stage())) {
            throw new IllegalArgumentException("the hand-over " + spooled + " is for " + h.stage() + ", not " + stage);
        }
        State s = parseState(h.state().length() > MAX_STATE ? h.state().substring(0, MAX_STATE) : h.state());
        if (h.stage().equals("poststop")) {
            poststop(s);
            return;
        }
        if (!isRoot()) {
            debugLog("poststart " + shortId(s.id()) + ": not root (rootless Podman forwards ports in user space): nothing to do");
            return;
        }
        if (sharesOurNetwork(s.pid())) {
            debugLog("poststart " + shortId(s.id()) + ": the container uses the host's network: nothing to do");
            return;
        }
        pid = h.pid() > 0 ? h.pid() : s.pid();
        pidStart = h.startTime() > 0 ? h.startTime() : proc().startTime(pid).orElse(0);
        poststartWork(s.id());
    }

    // ---------------------------------------------------------------- poststart

    private void poststart(State s) {
        if (!isRoot()) {
            debugLog("poststart " + shortId(s.id()) + ": not root (rootless Podman forwards ports in user space): nothing to do");
            return;
        }
        if (sharesOurNetwork(s.pid())) {
            debugLog("poststart " + shortId(s.id()) + ": the container uses the host's network: nothing to do");
            return;
        }
        // The PID and its start time go into the record: they let a later check tell a live container from a
        // stale record, and let the worker notice that the container stopped while podman inspect was slow.
        pid = s.pid();
        pidStart = proc().startTime(s.pid()).orElse(0);
        if (foreground) {
            poststartWork(s.id());
            return;
        }
        spawnWorker(s.id());
        debugLog("poststart " + shortId(s.id()) + ": worker started " + sinceStart());
    }

    private static boolean isRoot() {
        return Root.isRoot();
    }

    /** True when the container's process is in this process's network namespace (--network host). */
    private static boolean sharesOurNetwork(long pid) {
        if (pid <= 0) {
            return false;
        }
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Starts {@code cnifix hook poststart --worker ID} in its own session, detached from the hook's pipes. With
     * {@code setsid -f} the worker is not this JVM's child (setsid forks it and exits at once), so this JVM does not
     * wait at exit for its process reaper to see the worker end.
     */
    private void spawnWorker(String id) {
        List<String> cmd = new ArrayList<>();
        if (ctx.runner().exists("setsid")) {
            cmd.addAll(List.of("setsid", "-f"));
        }
        cmd.addAll(javaCommand());
        cmd.addAll(List.of("hook", "poststart", "--worker", id, "--podman", podman, "--state-dir", stateDir.toString(),
                "--backup-dir", backupDir.toString(), "--wait", waitSeconds, "--lock-file", lockFile.toString(),
                "--pid", Long.toString(pid), "--pid-start", Long.toString(pidStart), "--proc", procRoot.toString()));
        if (logFile != null) {
            cmd.addAll(List.of("--log-file", logFile.toString()));
        }
        if (verbose) {
            cmd.add("--verbose");
        }
        if (debug) {
            cmd.add("--debug");
        }
        try {
            Files.createDirectories(stateDir);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().putAll(ctx.env());
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stateDir.resolve("worker.log").toFile()));
            pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the poststart worker (" + String.join(" ", cmd) + "): " + e.getMessage(), e);
        }
    }

    /** This JVM again: its executable, its options, its class path, cnifix's main class. */
    static List<String> javaCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String java = info.command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> out = new ArrayList<>();
        out.add(java);
        String[] args = info.arguments().orElse(new String[0]);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
                i++;
                continue;
            }
            if (a.equals("-jar") || !a.startsWith("-")) {
                break;
            }
            out.add(a);
        }
        out.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return out;
    }

    /** Asks Podman for the container's ports, records them, and applies what they need. */
    private void poststartWork(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a container id: " + cut(id));
        }
        debugLog("poststart worker " + shortId(id) + ": started " + sinceStart());
        warmUp();
        ProcessRunner.Result r = commands().run(List.of(podman, "inspect", "--type", "container", id), null, Duration.ofSeconds(120));
        debugLog("poststart worker " + shortId(id) + ": podman inspect done " + sinceStart());
        if (!r.ok()) {
            String err = r.stderr().toLowerCase(java.util.Locale.ROOT);
            if (err.contains("no such container") || err.contains("no such object")) {
                debugLog("poststart " + shortId(id) + ": the container is gone already");
            } else {
                journal.error("poststart " + shortId(id) + ": cannot read its ports: " + r.describe());
            }
            return;
        }
        InputText inspect = new InputText("podman inspect " + shortId(id), r.stdout());
        List<PortMapping> mine = new ArrayList<>();
        for (PortMapping m : PortsReader.read(inspect).mappings()) {
            if (m.containerId().equals(id) && m.containerIp() != null) {
                mine.add(m);
            }
        }
        String name = mine.isEmpty() ? shortId(id) : mine.get(0).containerName();
        if (mine.isEmpty()) {
            debugLog("poststart " + name + ": no published port with a container address: nothing to do");
            return;
        }
        // poststop may have run while podman inspect waited (it found no record, so it removed nothing): check the
        // container's process right before applying, and again after the record is written and the rules applied.
        if (!proc().alive(pid, pidStart)) {
            journal.info("poststart " + name + " (" + shortId(id) + "): the container stopped before its ports were opened"
                    + " (process " + pid + " is gone): nothing applied");
            return;
        }
        writeRecord(id, name, mine);
        Captured captured = captured();
        ByteArrayOutputStream out = captured.out();
        ByteArrayOutputStream err = captured.err();
        CliContext inner = captured.ctx();
        LiveHost live = new LiveHost(commands());
        PlanRunner runner = new PlanRunner(inner, new StateOptions(), new ReferenceOptions(), jsonQuiet(), applyOptions(), null)
                .from(c -> live.rules().plus(live.addressesAndRoutes())
                        .plus(new StateSources(List.of(), List.of(inspect), List.of(), List.of(), List.of(), List.of())));
        int code = runner.run(true, false, "cnifix hook");
        debugLog("poststart worker " + shortId(id) + ": applied " + sinceStart());
        report("poststart " + name + " (" + shortId(id) + ")", code, out, err);
        // A poststop that ran between the check above and the record's rename saw no record; one that ran during the
        // apply removed what was there before the apply. Either way the container is gone now: undo as poststop would.
        if (!proc().alive(pid, pidStart)) {
            journal.warning("poststart " + name + " (" + shortId(id) + "): the container stopped while its ports were opened"
                    + " (process " + pid + " is gone): undoing");
            removeFor(id, name, mine, "poststart undo");
        }
    }

    /**
     * While {@code podman inspect} waits for Podman to let go of the container, loads and compiles the parser, the
     * comparer and the planner on this host's rules (the result is thrown away): a cold JVM spends a few hundred
     * milliseconds there, which would otherwise come after the inspect, while the port is still closed.
     */
    private void warmUp() {
        Thread t = new Thread(() -> {
            try {
                ProcessRunner.Result save = ctx.runner().run(List.of("iptables-save", "-t", "filter"), null, Duration.ofSeconds(10));
                if (save.ok()) {
                    io.cnifix.model.HostState h = io.cnifix.ingest.HostStateBuilder.build(new StateSources(
                            List.of(new InputText("iptables-save", save.stdout())), List.of(), List.of(), List.of(), List.of(), List.of()));
                    new io.cnifix.remedy.Planner(h, io.cnifix.engine.compare.DockerModel.CURRENT, java.util.Set.of(), null).plan(true, true);
                }
            } catch (RuntimeException ignored) {
                // only a warm-up
            }
        }, "cnifix-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    // ---------------------------------------------------------------- poststop

    private void poststop(State s) {
        RecordStore store = store();
        if (!store.has(s.id())) {
            debugLog("poststop " + shortId(s.id()) + ": no record (no published port seen at poststart): nothing to do");
            return;
        }
        if (!isRoot()) {
            return;
        }
        RecordStore.ContainerRecord mine;
        try {
            mine = store.read(s.id());
        } catch (RuntimeException e) {
            // Not a regular file, too large, malformed: say so and drop it rather than fail on it at every stop.
            journal.warning("poststop " + shortId(s.id()) + ": " + e.getMessage());
            store.delete(s.id());
            return;
        }
        removeFor(s.id(), mine.name(), mine.mappings(), "poststop");
    }

    /** Removes cnifix's rules for {@code mappings} that no other live recorded container uses, then the record. */
    private void removeFor(String id, String name, List<PortMapping> mappings, String what) {
        RecordStore store = store();
        List<PortMapping> others = new ArrayList<>();
        for (RecordStore.ContainerRecord r : store.othersAlive(id, proc())) {
            others.addAll(r.mappings());
        }
        Captured captured = captured();
        ByteArrayOutputStream out = captured.out();
        ByteArrayOutputStream err = captured.err();
        CliContext inner = captured.ctx();
        LiveHost live = new LiveHost(commands());
        PlanRunner runner = new PlanRunner(inner, new StateOptions(), new ReferenceOptions(), jsonQuiet(), applyOptions(), null)
                .from(c -> live.rules())
                .scope(plan -> io.cnifix.hook.PruneScope.onlyFor(plan, mappings, others));
        int code = runner.run(false, true, "cnifix hook");
        report(what + " " + name + " (" + shortId(id) + ")", code, out, err);
        store.delete(id);
    }

    // ---------------------------------------------------------------- records

    private RecordStore store() {
        return new RecordStore(stateDir, journal::warning);
    }

    private ProcStat proc() {
        return new ProcStat(procRoot);
    }

    private void writeRecord(String id, String name, List<PortMapping> mappings) {
        try {
            store().write(new RecordStore.ContainerRecord(id, name, pid, pidStart, mappings));
        } catch (IOException e) {
            journal.warning("poststart " + name + ": cannot record its ports in " + stateDir + " (poststop will not find its rules;"
                    + " cnifix reconcile will): " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- plumbing

    private ProcessRunner commands() {
        return verbose ? new Timed(ctx.runner()) : ctx.runner();
    }

    private static OutputOptions jsonQuiet() {
        OutputOptions o = new OutputOptions();
        o.format = "json";
        o.quiet = true;
        return o;
    }

    private ApplyOptions applyOptions() {
        ApplyOptions a = new ApplyOptions();
        a.apply = true;
        a.backupDir = backupDir;
        a.lockFile = lockFile;
        try {
            a.waitSeconds = Math.max(1, Integer.parseInt(waitSeconds.strip()));
        } catch (NumberFormatException e) {
            journal.warning("hook: --wait " + cut(waitSeconds) + " is not a number; waiting 30 s");
            a.waitSeconds = 30;
        }
        return a;
    }

    /** Logs what a PlanRunner run did, from its JSON, or why it failed, from its standard error. */
    private void report(String what, int code, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        String errText = err.toString(StandardCharsets.UTF_8).strip();
        JsonObject j = null;
        try {
            JsonElement e = JsonParser.parseString(out.toString(StandardCharsets.UTF_8));
            j = e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException ignored) {
            // No JSON: the run failed before printing; its standard error says why.
        }
        if (code != ExitCodes.OK) {
            journal.error(what + ": failed (exit " + code + "): " + (errText.isEmpty() ? "no message" : errText.replace("cnifix: ", "")));
            return;
        }
        List<String> done = new ArrayList<>();
        if (j != null) {
            done.addAll(AppliedPlan.changes(j));
            for (String u : AppliedPlan.untouched(j)) {
                journal.warning(what + ": left alone: " + u);
            }
        }
        if (!done.isEmpty()) {
            journal.info(what + ": " + String.join("; ", done));
        } else {
            debugLog(what + ": nothing to change");
        }
    }

    /** Milliseconds since this JVM started, for --verbose timings. */
    private static String sinceStart() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> "(" + java.time.Duration.between(t, java.time.Instant.now()).toMillis() + " ms after the JVM started)").orElse("");
    }

    private void debugLog(String message) {
        if (verbose) {
            journal.info(message);
        }
    }

    /** A context whose output the hook keeps (for the journal) instead of printing it. */
    private record Captured(ByteArrayOutputStream out, ByteArrayOutputStream err, CliContext ctx) {
    }

    private Captured captured() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        return new Captured(out, err, new CliContext(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                ctx.env(), commands()));
    }
}
