package io.cnifix.cli;

import io.cnifix.ingest.StateSources;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.PersistOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * One idempotent pass over the whole host: {@code suggest --apply --prune}. For the systemd timer, for boot, and
 * after a firewall reload. Running it twice changes nothing the second time.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"One idempotent pass over the whole host: add the rules published ports need and remove cnifix's rules"
                + " that nothing needs any more, in one verified transaction (= suggest --apply --prune).",
                "For timers, boot and firewall reloads (scripts/systemd/cnifix-reconcile.service). Needs root."})
final class ReconcileCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    ReferenceOptions reference;
    @Mixin
    OutputOptions output;
    @Mixin
    ApplyOptions apply;
    @Mixin
    PersistOptions persist;

    ReconcileCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @picocli.CommandLine.Option(names = "--dry-run", description = "Show what the pass would add and remove, change nothing (no root needed).")
    boolean dryRun;

    @Override
    public Integer call() {
        apply.apply = !dryRun;
        return new PlanRunner(ctx, state, reference, output, apply, null)
                .from(this::sources)
                .persist(persist)
                .run(true, true, "reconcile");
    }

    /**
     * The state options' sources (live discovery unless files are given). Pruning with no container source at all
     * would remove every rule cnifix added, so then reconcile refuses, before anything changes.
     */
    private StateSources sources(CliContext c) {
        StateSources s = state.sources(c);
        if (s.ports().isEmpty() && state.snapshot == null) {
            throw new EnvironmentException("reconcile: no container was read (" + String.join("; ", s.notes())
                    + "); refusing to prune, since every rule cnifix added would look unneeded");
        }
        return s;
    }
}
