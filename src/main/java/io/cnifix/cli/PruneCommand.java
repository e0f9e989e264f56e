package io.cnifix.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "List cnifix's own rules that no longer match a published port; with --apply, remove them.")
final class PruneCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    ReferenceOptions reference;
    @Mixin
    OutputOptions output;
    @Mixin
    ApplyOptions apply;

    PruneCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        return new PlanRunner(ctx, state, reference, output, apply, null).run(false, true, "prune");
    }
}
