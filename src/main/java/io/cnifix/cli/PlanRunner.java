package io.cnifix.cli;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.Placement;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Planner;
import io.cnifix.remedy.Proof;
import io.cnifix.remedy.Proposal;
import io.cnifix.system.ApplyLock;
import io.cnifix.system.Drivers;
import io.cnifix.system.Firewall;
import io.cnifix.system.FirewallDriver;
import io.cnifix.system.PersistOptions;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.Root;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What suggest and prune share: make a plan, print it, and with --apply install it as one transaction under
 * cnifix's lock, read it back, verify, and put the backup back if anything is off.
 */
final class PlanRunner {
    private final CliContext ctx;
    private final StateOptions state;
    private final ReferenceOptions reference;
    private final OutputOptions output;
    private final ApplyOptions apply;
    private final Planner.ChainOverride override;
    /** Narrows every plan before it is shown or applied (the OCI hook: one container's rules only). */
    private UnaryOperator<Plan> scope = UnaryOperator.identity();
    /** Where the host is read from instead of the state options (the OCI hook: live rules, one container). */
    private Function<CliContext, StateSources> sources;
    private PersistOptions persist;
    /** What the command line declares on top of labels and policy file (suggest --container/--port/--from). */
    private UnaryOperator<HostState> declared = UnaryOperator.identity();
    /** Builds the plan instead of the planner (uninstall: remove everything cnifix owns). */
    private Function<HostState, Plan> planner;
    /** The command being run (suggest, prune, reconcile), for its words. */
    private String command = "suggest";
    /** Where an apply's time went, step by step ("read 120 ms"), for cnifix watch --verbose; null: not kept. */
    private List<String> steps;
    private long stepStart;

    PlanRunner(CliContext ctx, StateOptions state, ReferenceOptions reference, OutputOptions output, ApplyOptions apply,
               Planner.ChainOverride override) {
        this.ctx = ctx;
        this.state = state;
        this.reference = reference;
        this.output = output;
        this.apply = apply;
        this.override = override;
    }

    PlanRunner scope(UnaryOperator<Plan> scope) {
        this.scope = scope;
        return this;
    }

    PlanRunner from(Function<CliContext, StateSources> sources) {
        this.sources = sources;
        return this;
    }

    PlanRunner declare(UnaryOperator<HostState> declared) {
        this.declared = declared;
        return this;
    }

    PlanRunner planWith(Function<HostState, Plan> planner) {
        this.planner = planner;
        return this;
    }

    /** Keeps where each apply's time goes in {@code sink} (read, plan, judge, save, apply, verify). */
    PlanRunner steps(List<String> sink) {
        this.steps = sink;
        return this;
    }

    private void step(String name) {
        long now = System.nanoTime();
        if (steps != null) {
            steps.add(name + " " + (now - stepStart) / 1_000_000 + " ms");
        }
        stepStart = now;
    }

    PlanRunner persist(PersistOptions persist) {
        this.persist = persist;
        return this;
    }

    private StateSources sources() {
        return sources != null ? sources.apply(ctx) : state.sources(ctx);
    }

    int run(boolean add, boolean prune, String what) {
        command = what;
        output.requireFormat("text", "json", "iptables", "restore", "nft", "firewall-cmd");
        boolean persisting = persist != null && persist.persist;
        if (persisting && !apply.apply) {
            throw new UsageException("--persist needs --apply (it writes the rules the live host has)");
        }
        if (!apply.apply) {
            HostState host = declared.apply(HostStateBuilder.build(sources()));
            Verbose.read(ctx, output, host, reference);
            Plan plan = plan(host, add, prune);
            PlanOutput.print(ctx.out(), plan, output.format, Json.obj("applied", false), what);
            if (!plan.proven()) {
                ctx.err().println("cnifix: the proposed rules do not prove out on the in-memory ruleset; not proposing them");
                return ExitCodes.FOUND;
            }
            // the same answer as diff: ports whose network is not known are not judged, and say which input is missing
            List<io.cnifix.model.PortMapping> unplaced = add ? MissingInput.unplaced(host) : List.of();
            if (output.format.equals("text") && !output.quiet) {
                next(plan, unplaced, what);
            }
            Notes.print(ctx, output, host.notes());
            return !plan.empty() ? ExitCodes.FOUND : unplaced.isEmpty() ? ExitCodes.OK : ExitCodes.UNDECIDED;
        }
        if (state.snapshot != null || !state.rules.isEmpty()) {
            throw new UsageException("--apply acts on the live host's rules: drop --snapshot and --rules");
        }
        if (apply.waitSeconds < 0 || apply.waitSeconds > 3600) {
            throw new UsageException("--wait " + apply.waitSeconds + ": give 0 to 3600 seconds");
        }
        Root.require(what + " --apply");
        if (persisting) {
            persist.check();
            persist.precheck(declared.apply(HostStateBuilder.build(sources())), ctx.runner()); // restore --test before anything changes live
        }
        List<FirewallDriver> drivers = Drivers.all(ctx.runner(), Duration.ofSeconds(apply.waitSeconds), ctx.env());
        stepStart = System.nanoTime();
        try (ApplyLock lock = ApplyLock.acquire(apply.lockFile, Duration.ofSeconds(apply.waitSeconds))) {
            step("lock");
            for (int attempt = 1; ; attempt++) {
                int code = applyLocked(drivers, add, prune, attempt < MAX_ATTEMPTS);
                if (code != OVERTAKEN) {
                    return code;
                }
                log("another program changed the chain while cnifix applied; cnifix's change was undone, trying again");
                pause(attempt);
            }
        }
    }

    /** What to run next, after a plan that was only shown. */
    private void next(Plan plan, List<io.cnifix.model.PortMapping> unplaced, String what) {
        List<String> lines = new ArrayList<>();
        if (!unplaced.isEmpty()) {
            lines.add(Words.count(unplaced.size(), "port") + " not judged: the container's network is not known;");
            lines.add(MissingInput.NETWORKS_HINT + ".");
        }
        if (!plan.empty()) {
            lines.add("To install this (verified, undone on failure): sudo cnifix " + (what.equals("reconcile") ? "reconcile" : what + " --apply"));
        }
        if (!lines.isEmpty()) {
            ctx.out().println();
            lines.forEach(ctx.out()::println);
        }
    }

    private Plan plan(HostState host, boolean add, boolean prune) {
        if (planner != null) {
            return scope.apply(planner.apply(host));
        }
        try {
            return scope.apply(new Planner(host, reference.model(), reference.admin(), override).plan(add, prune));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** How often an apply that something else overtook (an insert at the top of the chain) is undone and tried again. */
    private static final int MAX_ATTEMPTS = 6;

    /**
     * A short, growing, random pause before the next attempt: an engine busy rewriting the same chain usually does so
     * in a burst, and retrying in step with it would be overtaken again.
     */
    private static void pause(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(20, 60L * attempt + 40));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    /** Not an exit code: the apply was overtaken and cleanly undone, so it may be tried again. */
    private static final int OVERTAKEN = -1;

    private int applyLocked(List<FirewallDriver> drivers, boolean add, boolean prune, boolean mayRetry) {
        StateSources read = sources();
        step("read");
        HostState host = declared.apply(HostStateBuilder.build(read));
        step("parse");
        Plan plan = plan(host, add, prune);
        step("plan");
        if (plan.empty()) {
            PlanOutput.print(ctx.out(), plan, output.format, persisted(host, Json.obj("applied", false, "backup", null)), command);
            return ExitCodes.OK;
        }
        if (!plan.proven()) {
            PlanOutput.print(ctx.out(), plan, output.format, Json.obj("applied", false, "backup", null), command);
            ctx.err().println("cnifix: the plan does not prove out on the in-memory ruleset; nothing was changed");
            return ExitCodes.ROLLED_BACK;
        }
        // the planner judged this very host already (a plan narrowed or built otherwise carries no judgement)
        DiffReport before = plan.before() != null ? plan.before() : new Comparer(host, reference.model(), reference.admin()).compare();
        step("judge");
        List<FirewallDriver> touching = drivers.stream().filter(d -> d.touches(plan)).toList();
        Map<String, String> saved = new LinkedHashMap<>();
        for (FirewallDriver d : touching) {
            saved.put(d.backupSuffix(), d.save(read));
        }
        Path backup = Firewall.backupFiles(apply.backupDir, saved);
        log("saved the current state of " + String.join(", ", touching.stream().map(FirewallDriver::name).toList()) + " to " + backup);
        step("backup");
        List<FirewallDriver> applied = new ArrayList<>();
        for (FirewallDriver d : touching) {
            applied.add(d);
            ProcessRunner.Result r = d.apply(plan);
            if (!r.ok()) {
                return rollback(plan, applied, backup, "applying failed (" + d.name() + "): " + r.describe());
            }
        }
        step("apply");
        HostState after = host;
        for (FirewallDriver d : applied) {
            after = d.readBack(after);
        }
        step("read back");
        List<String> problems = new ArrayList<>(Proof.compare(before, new Comparer(after, reference.model(), reference.admin()).compare(), plan.additions()));
        for (FirewallDriver d : applied) {
            problems.addAll(d.notInEffect(plan, after));
        }
        List<String> overtaken = misplacedAdditions(after, plan);
        if (problems.isEmpty() && !overtaken.isEmpty()) {
            int code = rollback(plan, applied, backup, "placement failed: " + String.join("; ", overtaken));
            return code == ExitCodes.ROLLED_BACK && mayRetry ? OVERTAKEN : code;
        }
        problems.addAll(overtaken);
        if (!problems.isEmpty()) {
            return rollback(plan, applied, backup, "verification failed: " + String.join("; ", problems));
        }
        step("verify");
        PlanOutput.print(ctx.out(), plan, output.format, persisted(after, Json.obj("applied", true, "backup", backup.toString())), command);
        log("applied " + plan.additions().size() + " rule(s), removed " + plan.removals().size() + "; verified");
        return ExitCodes.OK;
    }

    /** With --persist: writes the rules cnifix owns on {@code live} to the boot-time files; notes which changed. */
    private Map<String, Object> persisted(HostState live, Map<String, Object> extra) {
        if (persist != null && persist.persist) {
            List<String> changed = persist.write(live, ctx.runner());
            persist.notices.forEach(n -> ctx.err().println("cnifix: " + n));
            extra.put("persisted", changed);
            log(changed.isEmpty() ? "the boot-time rules file already holds cnifix's rules" : "wrote cnifix's rules to " + String.join(", ", changed));
        }
        return extra;
    }

    /**
     * Added rules that ended up above the rule they must follow, or above any admin decision in their chain: a
     * position computed at read time was overtaken by another program's insert.
     */
    private List<String> misplacedAdditions(HostState after, Plan plan) {
        List<String> out = new ArrayList<>();
        java.util.Set<String> adminChains = new Comparer(after, reference.model(), reference.admin()).adminChains();
        for (Ruleset rs : after.rulesets()) {
            for (Placement.Misplaced m : Placement.misplaced(rs, adminChains)) {
                if (plan.additions(Backend.IPTABLES).stream().anyMatch(p -> p.family() == rs.family() && p.line().equals(m.owned().text()))) {
                    out.add("rule landed above the admin rule " + m.admin().text() + ": " + m.owned().text());
                }
            }
        }
        for (Proposal p : plan.additions(Backend.IPTABLES)) {
            var chain = after.ruleset(p.family()).chain("filter", p.chain());
            if (p.after() == null || chain == null) {
                continue;
            }
            int mine = indexOf(chain.rules(), p.line());
            int anchor = indexOf(chain.rules(), p.after());
            if (mine >= 0 && anchor > mine) {
                out.add("rule landed above " + p.after() + ": " + p.line());
            }
        }
        return out.stream().distinct().toList();
    }

    private static int indexOf(List<Rule> rules, String text) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).text().equals(text)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Undoes cnifix's own transaction in every back end it reached, last first, each against its state as it reads
     * now (see {@link FirewallDriver#undo}), so whatever another program changed in the meantime stays; then reads
     * back and says exactly what, if anything, is left.
     */
    private int rollback(Plan plan, List<FirewallDriver> applied, Path backup, String why) {
        ctx.err().println("cnifix: " + why);
        List<String> left = new ArrayList<>();
        for (int i = applied.size() - 1; i >= 0; i--) {
            FirewallDriver d = applied.get(i);
            try {
                ProcessRunner.Result r = d.undo(plan);
                if (r != null && !r.ok()) {
                    ctx.err().println("cnifix: undoing failed for " + d.name() + ": " + r.describe());
                }
                d.left(plan).forEach(l -> left.add(d.name() + ": " + l));
            } catch (RuntimeException e) {
                left.add(d.name() + ": cannot read the state back to undo (" + e.getMessage() + "); cnifix's change may be in place");
            }
        }
        if (!left.isEmpty()) {
            ctx.err().println("cnifix: ROLLBACK FAILED: the firewall is changed; left: " + String.join("; ", left)
                    + "; the state before the change is in " + backup);
            return ExitCodes.ROLLBACK_FAILED;
        }
        ctx.err().println("cnifix: rolled back: cnifix's change is undone, other programs' changes are kept (backup " + backup + ")");
        return ExitCodes.ROLLED_BACK;
    }

    private void log(String message) {
        if (!output.quiet) {
            ctx.err().println("cnifix: " + message);
        }
    }
}
