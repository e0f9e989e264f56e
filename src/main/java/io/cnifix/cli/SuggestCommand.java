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
    @Option(names = "--container", paramLabel = "NAME", description = "Act on this container only (repeatable).")
    java.util.List<String> containers = new java.util.ArrayList<>();
    @Option(names = "--port", paramLabel = "[PROTO/]HOSTPORT", description = "Act on this published port only (repeatable), e.g. tcp/8080.")
    java.util.List<String> ports = new java.util.ArrayList<>();
    @Option(names = "--from", paramLabel = "CIDR", split = ",", description = "Open the ports only to these sources (repeatable).")
    java.util.List<String> from = new java.util.ArrayList<>();
    @Option(names = "--save", description = "Record --container/--port/--from in the policy file (--policy, default /etc/cnifix/policy.conf)"
            + " so reconcile, the hook and watch keep the choice.")
    boolean save;

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
        Selection sel = new Selection(containers, ports, from);
        sel.portSpecs();
        sel.sources();
        if (save && !sel.any()) {
            throw new UsageException("--save needs --container with --from or --port");
        }
        int code = new PlanRunner(ctx, state, reference, output, apply, override).persist(persist)
                .declare(h -> {
                    sel.check(h);
                    return sel.declare(h);
                })
                .scope(sel::narrow)
                .run(true, prune, "suggest");
        if (save && code <= ExitCodes.FOUND) {
            java.nio.file.Path file = state.policy != null ? java.nio.file.Path.of(state.policy) : StateOptions.DEFAULT_POLICY;
            sel.save(file);
            if (!output.quiet) {
                ctx.err().println("cnifix: recorded in " + file);
            }
        }
        return code;
    }
}
