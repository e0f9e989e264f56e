package io.cnifix.cli;

import io.cnifix.remedy.Planner;
import io.cnifix.system.PersistOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = "Propose the minimal Docker-shaped rules that close the gaps; with --apply, install them in one verified, reversible transaction.")
final class SuggestCommand implements Callable<Integer> {
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

    @Option(names = "--chain", paramLabel = "NAME", description = "Put the rules in this filter chain instead of the automatic place.")
    String chain;
    @Option(names = "--position", paramLabel = "N", description = "With --chain: the 1-based position (default 1).")
    Integer position;
    @Option(names = "--prune", description = "Also remove cnifix's own rules that no published port needs any more, in the same transaction.")
    boolean prune;

    SuggestCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (position != null && chain == null) {
            throw new UsageException("--position needs --chain");
        }
        if (position != null && position < 1) {
            throw new UsageException("--position counts from 1");
        }
        Planner.ChainOverride override = chain == null ? null : new Planner.ChainOverride(chain, position);
        return new PlanRunner(ctx, state, reference, output, apply, override).persist(persist).run(true, prune, "suggest");
    }
}
