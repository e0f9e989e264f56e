package io.cnifix.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.ingest.StateSources;
import io.cnifix.remedy.Plan;
import io.cnifix.system.Journal;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.Root;
import io.cnifix.watch.Applier;
import io.cnifix.watch.Log;
import io.cnifix.watch.OwnProcesses;
import io.cnifix.watch.WatchEvent;
import io.cnifix.watch.Watcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import io.cnifix.system.EnvironmentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** {@code cnifix watch}: the options, and the bridge from the watcher (io.cnifix.watch) to the one apply path. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Long-running: follows container events (Podman, Docker), ruleset changes and firewalld's Reloaded signal,"
                + " and keeps the firewall right: opens a started container's ports, removes a stopped one's rules, repairs"
                + " after a reload or flush (podman network reload --all where Podman lost its DNAT), and reconciles at start"
                + " and on a timer. Run by cnifix-watch.service. Needs root. Stops cleanly on SIGTERM."})
final class WatchCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    ReferenceOptions reference;

    @Option(names = "--podman", paramLabel = "PATH", description = "The podman program to follow (default: podman when installed; none: do not follow Podman).")
    String podman;

    @Option(names = "--docker", paramLabel = "PATH", description = "The docker CLI to follow (default: docker when a daemon answers; none: do not follow Docker).")
    String docker;

    @Option(names = "--docker-host", paramLabel = "URL", description = "The Docker daemon, e.g. unix:///run/docker.sock (default: the CLI's own).")
    String dockerHost;

    @Option(names = "--no-nft-monitor", description = "Do not follow ruleset changes with nft monitor (then a flush is repaired by the timer).")
    boolean noNftMonitor;

    @Option(names = "--no-firewalld", description = "Do not follow firewalld's D-Bus signals.")
    boolean noFirewalld;

    @Option(names = "--dbus-address", paramLabel = "ADDRESS", description = "The bus firewalld is on (default: the system bus).")
    String dbusAddress;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where the OCI hook hands containers over while watch runs (default ${DEFAULT-VALUE}; none: ignore the hook).")
    String spoolDir = "/run/cnifix/spool";

    @Option(names = "--watch-lock", paramLabel = "FILE", hidden = true, description = "Held while watch runs: a second watch refuses (default ${DEFAULT-VALUE}).")
    Path watchLock = Path.of("/run/cnifix/watch.lock");

    @Option(names = "--pid-file", paramLabel = "FILE", hidden = true, description = "Watch's PID and start time, which the OCI hook wrapper reads to hand over to it (default ${DEFAULT-VALUE}).")
    Path pidFile = Path.of("/run/cnifix/watch.pid");

    @Option(names = "--interval", paramLabel = "SECONDS", description = "A full reconcile this often (default ${DEFAULT-VALUE}).")
    long intervalSeconds = 300;

    @Option(names = "--backup-dir", paramLabel = "DIR", description = "Where the ruleset is saved before a change (default ${DEFAULT-VALUE}).")
    Path backupDir = Path.of("/var/lib/cnifix/backups");

    @Option(names = "--wait", paramLabel = "SECONDS", description = "How long to wait for the xtables lock and cnifix's own lock (default ${DEFAULT-VALUE}).")
    int waitSeconds = 30;

    @Option(names = "--lock-file", paramLabel = "FILE", hidden = true, description = "cnifix's own lock (default ${DEFAULT-VALUE}).")
    Path lockFile = Path.of("/run/cnifix.lock");

    @Option(names = "--log-file", paramLabel = "FILE", description = "Append the log here instead of standard error (the journal under systemd).")
    Path logFile;

    @Option(names = {"-v", "--verbose"}, description = "Also log events that changed nothing, with timings.")
    boolean verbose;

    private ProcessRunner runner;

    WatchCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (intervalSeconds < 1 || intervalSeconds > 86_400) {
            throw new UsageException("--interval " + intervalSeconds + ": give 1 to 86400 seconds");
        }
        if (waitSeconds < 1 || waitSeconds > 3600) {
            throw new UsageException("--wait " + waitSeconds + ": give 1 to 3600 seconds");
        }
        Root.require("watch");
        // the plain runner is replaced by one that knows its own children (a test's runner is kept as it is)
        runner = ctx.runner().getClass() == ProcessRunner.class ? new OwnProcesses() : ctx.runner();
        Log log = log();
        Watcher.Settings settings = new Watcher.Settings(podmanProgram(runner), dockerProgram(runner, log), blankToNull(dockerHost),
                !noNftMonitor && runner.exists("nft"), firewalld(runner), blankToNull(dbusAddress),
                Duration.ofSeconds(intervalSeconds), reference.model(), reference.admin(),
                LiveNone.is(spoolDir) ? null : Path.of(spoolDir));
        FileChannel held = holdWatchLock();
        Watcher watcher = new Watcher(settings, runner, this::apply, log);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            watcher.post(new WatchEvent.Shutdown());
            try {
                // the step under way (an apply holding cnifix's lock) finishes; the children are ended
                if (done.await(waitSeconds + 30L, TimeUnit.SECONDS)) {
                    Runtime.getRuntime().halt(0);
                }
            } catch (InterruptedException ignored) {
                // exit as the JVM would
            }
        }, "watch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (held) {
            writePidFile(log);
            watcher.run();
        } catch (java.io.IOException ignored) {
            // closing the lock's channel
        } finally {
            try {
                Files.deleteIfExists(pidFile);
            } catch (java.io.IOException ignored) {
                // a stale file names a process that is gone or started at another time: the wrapper ignores it
            }
            done.countDown();
        }
        return ExitCodes.OK;
    }

    /** "PID STARTTIME" (field 22 of /proc/self/stat), written atomically: the hook wrapper hands over while both match. */
    private void writePidFile(Log log) {
        long pid = ProcessHandle.current().pid();
        long start = new io.cnifix.hook.ProcStat(Path.of("/proc")).startTime(pid).orElse(0);
        try {
            Files.createDirectories(pidFile.toAbsolutePath().getParent());
            Path tmp = pidFile.resolveSibling("." + pidFile.getFileName() + ".tmp");
            Files.writeString(tmp, pid + " " + start + "\n");
            Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            log.warning("cannot write " + pidFile + " (" + e.getMessage() + "): the OCI hook will not hand over to this watch");
        }
    }

    /** Held for the whole run: a second watch stops here. */
    private FileChannel holdWatchLock() {
        try {
            Files.createDirectories(watchLock.toAbsolutePath().getParent());
            FileChannel ch = FileChannel.open(watchLock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (ch.tryLock() == null) {
                ch.close();
                throw new EnvironmentException("another cnifix watch runs (it holds " + watchLock + ")");
            }
            return ch;
        } catch (java.io.IOException | java.nio.channels.OverlappingFileLockException e) {
            throw new EnvironmentException("cannot lock " + watchLock + ": " + e.getMessage());
        }
    }

    private String podmanProgram(ProcessRunner runner) {
        if (LiveNone.is(podman)) {
            return null;
        }
        String p = podman == null ? "podman" : podman;
        return podman != null || runner.exists(p) ? p : null;
    }

    /** Docker is followed when named, or when its CLI is installed and a daemon answers now. */
    private String dockerProgram(ProcessRunner runner, Log log) {
        if (LiveNone.is(docker)) {
            return null;
        }
        if (docker != null) {
            return docker;
        }
        if (!runner.exists("docker")) {
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of("docker"));
        if (blankToNull(dockerHost) != null) {
            cmd.addAll(List.of("-H", dockerHost));
        }
        cmd.addAll(List.of("version", "--format", "{{.Server.Version}}"));
        try {
            ProcessRunner.Result r = runner.run(cmd, null, Duration.ofSeconds(10));
            if (r.ok() && !r.stdout().isBlank()) {
                return "docker";
            }
        } catch (RuntimeException ignored) {
            // no daemon
        }
        log.info("no Docker daemon answers: Docker is not followed (give --docker docker to follow it anyway)");
        return null;
    }

    private boolean firewalld(ProcessRunner runner) {
        if (noFirewalld || !runner.exists("dbus-monitor")) {
            return false;
        }
        return blankToNull(dbusAddress) != null || Files.exists(Path.of("/run/dbus/system_bus_socket"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** "none" switches an engine off, as in the state options. */
    private static final class LiveNone {
        static boolean is(String s) {
            return io.cnifix.system.LiveContainers.NONE.equals(s);
        }
    }

    // ------------------------------------------------------------------ the apply path

    private Applier.Outcome apply(Supplier<StateSources> sources, boolean add, boolean prune, UnaryOperator<Plan> scope) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext inner = new CliContext(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), ctx.env(), runner);
        OutputOptions o = new OutputOptions();
        o.format = "json";
        o.quiet = true;
        ApplyOptions a = new ApplyOptions();
        a.apply = true;
        a.backupDir = backupDir;
        a.lockFile = lockFile;
        a.waitSeconds = waitSeconds;
        int code;
        List<String> steps = new ArrayList<>();
        try {
            code = new PlanRunner(inner, new StateOptions(), reference, o, a, null).from(c -> sources.get()).scope(scope)
                    .steps(steps).run(add, prune, "cnifix watch");
        } catch (RuntimeException e) {
            return new Applier.Outcome(ExitCodes.ENVIRONMENT, List.of(), List.of(), e.getMessage());
        }
        List<String> changes = new ArrayList<>();
        List<String> untouched = new ArrayList<>();
        try {
            JsonElement e = JsonParser.parseString(out.toString(StandardCharsets.UTF_8));
            if (e.isJsonObject()) {
                JsonObject j = e.getAsJsonObject();
                changes.addAll(AppliedPlan.changes(j));
                untouched.addAll(AppliedPlan.untouched(j));
            }
        } catch (RuntimeException ignored) {
            // no JSON: the run failed before printing; its standard error says why
        }
        String errText = err.toString(StandardCharsets.UTF_8).strip().replace("cnifix: ", "");
        return new Applier.Outcome(code, changes, untouched, errText.isEmpty() ? "no message" : errText, String.join(", ", steps));
    }

    // ------------------------------------------------------------------ logging

    /**
     * Standard error, one line per event: under systemd (JOURNAL_STREAM set) with the "<N>" priority prefix the
     * journal reads, so no logger process is started per line; or the file given with --log-file.
     */
    private Log log() {
        Journal file = logFile == null ? null : new Journal(ctx.runner(), ctx.err(), logFile, "cnifix-watch");
        boolean journald = ctx.env().containsKey("JOURNAL_STREAM");
        PrintStream err = ctx.err();
        return new Log() {
            private void line(Journal.Level level, int prio, String word, String message) {
                if (file != null) {
                    file.log(level, message);
                } else if (journald) {
                    synchronized (err) {
                        err.println("<" + prio + ">" + message.replace('\n', ' '));
                    }
                } else {
                    synchronized (err) {
                        err.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " cnifix watch: " + word + ": " + message.replace('\n', ' '));
                    }
                }
            }

            @Override
            public void error(String message) {
                line(Journal.Level.ERR, 3, "error", message);
            }

            @Override
            public void warning(String message) {
                line(Journal.Level.WARNING, 4, "warning", message);
            }

            @Override
            public void info(String message) {
                line(Journal.Level.INFO, 6, "info", message);
            }

            @Override
            public void debug(String message) {
                if (verbose) {
                    line(Journal.Level.INFO, 7, "debug", message);
                }
            }
        };
    }
}
