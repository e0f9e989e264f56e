package io.cnifix.cli;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Planner;
import io.cnifix.remedy.Proof;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;
import io.cnifix.remedy.Scripts;
import io.cnifix.system.ApplyLock;
import io.cnifix.system.Firewall;
import io.cnifix.system.PersistOptions;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.Root;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
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

    PlanRunner persist(PersistOptions persist) {
        this.persist = persist;
        return this;
    }

    private StateSources sources() {
        return sources != null ? sources.apply(ctx) : state.sources(ctx);
    }

    int run(boolean add, boolean prune, String what) {
        output.requireFormat("text", "json", "iptables", "restore");
        boolean persisting = persist != null && persist.persist;
        if (persisting && !apply.apply) {
            throw new UsageException("--persist needs --apply (it writes the rules the live host has)");
        }
        if (!apply.apply) {
            HostState host = HostStateBuilder.build(sources());
            Plan plan = plan(host, add, prune);
            PlanOutput.print(ctx.out(), plan, output.format, Json.obj("applied", false));
            if (!plan.proven()) {
                ctx.err().println("cnifix: the proposed rules do not prove out on the in-memory ruleset; not proposing them");
                return ExitCodes.FOUND;
            }
            return plan.empty() ? ExitCodes.OK : ExitCodes.FOUND;
        }
        if (state.snapshot != null || !state.rules.isEmpty()) {
            throw new UsageException("--apply acts on the live host's rules: drop --snapshot and --rules");
        }
        Root.require(what + " --apply");
        if (persisting) {
            persist.check();
        }
        Firewall fw = new Firewall(ctx.runner(), Duration.ofSeconds(apply.waitSeconds), ctx.env());
        try (ApplyLock lock = ApplyLock.acquire(apply.lockFile, Duration.ofSeconds(apply.waitSeconds))) {
            return applyLocked(fw, add, prune);
        }
    }

    private Plan plan(HostState host, boolean add, boolean prune) {
        try {
            return scope.apply(new Planner(host, reference.model(), reference.admin(), override).plan(add, prune));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int applyLocked(Firewall fw, boolean add, boolean prune) {
        StateSources sources = sources();
        HostState host = HostStateBuilder.build(sources);
        Map<Family, String> dumps = new EnumMap<>(Family.class);
        for (InputText t : sources.rules()) {
            dumps.put(IptablesSaveParser.parse(t).family(), t.content());
        }
        Plan plan = plan(host, add, prune);
        if (plan.empty()) {
            PlanOutput.print(ctx.out(), plan, output.format, persisted(host, Json.obj("applied", false, "backup", null)));
            if (output.format.equals("text") && !output.quiet) {
                ctx.err().println("cnifix: nothing to change");
            }
            return ExitCodes.OK;
        }
        if (!plan.proven()) {
            PlanOutput.print(ctx.out(), plan, output.format, Json.obj("applied", false, "backup", null));
            ctx.err().println("cnifix: the plan does not prove out on the in-memory ruleset; nothing was changed");
            return ExitCodes.ROLLED_BACK;
        }
        DiffReport before = new Comparer(host, reference.model(), reference.admin()).compare();
        Path backup = fw.backup(apply.backupDir, dumps);
        log("saved the current ruleset to " + backup);
        List<Family> touched = new ArrayList<>();
        for (Family f : Family.values()) {
            if (!plan.touches(f)) {
                continue;
            }
            touched.add(f);
            ProcessRunner.Result r = fw.applyNoflush(f, Scripts.restore(plan, f));
            if (!r.ok()) {
                return rollback(fw, dumps, touched, backup, "applying failed: " + r.describe());
            }
        }
        List<Ruleset> readBack = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            readBack.add(touched.contains(rs.family()) ? IptablesSaveParser.parse(fw.dump(rs.family()), rs.family()) : rs);
        }
        HostState after = host.withRulesets(readBack);
        List<String> problems = new ArrayList<>(Proof.compare(before, new Comparer(after, reference.model(), reference.admin()).compare(), plan.additions()));
        problems.addAll(missingOrLeft(after, plan));
        if (!problems.isEmpty()) {
            return rollback(fw, dumps, touched, backup, "verification failed: " + String.join("; ", problems));
        }
        PlanOutput.print(ctx.out(), plan, output.format, persisted(after, Json.obj("applied", true, "backup", backup.toString())));
        log("applied " + plan.additions().size() + " rule(s), removed " + plan.removals().size() + "; verified");
        return ExitCodes.OK;
    }

    /** With --persist: writes the rules cnifix owns on {@code live} to the boot-time files; notes which changed. */
    private Map<String, Object> persisted(HostState live, Map<String, Object> extra) {
        if (persist != null && persist.persist) {
            List<String> changed = persist.write(live, ctx.runner());
            extra.put("persisted", changed);
            log(changed.isEmpty() ? "the boot-time rules file already holds cnifix's rules" : "wrote cnifix's rules to " + String.join(", ", changed));
        }
        return extra;
    }

    /** Rules the plan added that are not there, and rules it removed that still are. */
    private static List<String> missingOrLeft(HostState after, Plan plan) {
        List<String> out = new ArrayList<>();
        for (Proposal p : plan.additions()) {
            Ruleset rs = after.ruleset(p.family());
            boolean there = rs.chain("filter", p.chain()) != null
                    && rs.chain("filter", p.chain()).rules().stream().anyMatch(r -> r.text().equals(p.line()));
            if (!there) {
                out.add("rule not found after apply: " + p.line());
            }
        }
        for (Removal r : plan.removals()) {
            Ruleset rs = after.ruleset(r.family());
            Rule gone = r.rule();
            if (rs.chain("filter", gone.chain()) != null
                    && rs.chain("filter", gone.chain()).rules().stream().anyMatch(x -> x.text().equals(gone.text()))) {
                out.add("rule still present after apply: " + gone.text());
            }
        }
        return out;
    }

    private int rollback(Firewall fw, Map<Family, String> dumps, List<Family> touched, Path backup, String why) {
        ctx.err().println("cnifix: " + why);
        boolean ok = true;
        for (Family f : touched) {
            ProcessRunner.Result r = fw.restoreWhole(f, dumps.get(f));
            if (!r.ok()) {
                ok = false;
                ctx.err().println("cnifix: ROLLBACK FAILED for " + f + ": " + r.describe() + "; restore by hand: iptables-restore < " + backup);
            }
        }
        if (ok) {
            ctx.err().println("cnifix: rolled back; the ruleset is as it was (backup " + backup + ")");
        }
        return ExitCodes.ROLLED_BACK;
    }

    private void log(String message) {
        if (!output.quiet) {
            ctx.err().println("cnifix: " + message);
        }
    }
}
