package io.cnifix.cli;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import io.cnifix.remedy.Ownership;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proof;
import io.cnifix.remedy.Removal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Removes every rule cnifix owns, through the same transaction, backup, verification and rollback as any apply,
 * and says which published ports close as a result.
 */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = {"Remove every rule cnifix installed (on every back end) in one verified, reversible transaction;"
                + " without --apply, list them and the ports that would close.",
                "With --persist, cnifix's block in the boot-time rules file goes too."})
final class UninstallCommand implements Callable<Integer> {
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
    io.cnifix.system.PersistOptions persist;

    UninstallCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        List<String> closes = new ArrayList<>();
        int code = new PlanRunner(ctx, state, reference, output, apply, null)
                .planWith(host -> {
                    List<Removal> all = Ownership.removeAll(host);
                    closes.clear();
                    closes.addAll(closing(host, all));
                    return new Plan(List.of(), all, List.of(), List.of());
                })
                .persist(persist)
                .run(false, true, "uninstall");
        if (!output.quiet && !output.json()) {
            for (String c : closes) {
                ctx.err().println("cnifix: " + (apply.apply && code == ExitCodes.OK ? "closed: " : "would close: ") + c);
            }
        }
        return code;
    }

    /** Ports every outside source reaches now and not once cnifix's rules are gone. */
    private List<String> closing(HostState host, List<Removal> removals) {
        if (removals.isEmpty()) {
            return List.of();
        }
        HostState without = Proof.applied(host, List.of(), removals);
        var before = new Comparer(host, reference.model(), reference.admin()).compare();
        var after = new Comparer(without, reference.model(), reference.admin()).compare();
        List<String> out = new ArrayList<>();
        java.util.Map<PortMapping, PortReport> now = new java.util.HashMap<>();
        after.ports().forEach(a -> now.put(a.mapping(), a));
        for (PortReport b : before.ports()) {
            PortReport a = now.get(b.mapping());
            if (b.status() == PortStatus.OK && a != null && a.status() != PortStatus.OK) {
                PortMapping m = b.mapping();
                out.add(m.containerName() + " " + m.protocol() + "/" + m.hostPort() + " (" + a.status().id + ": " + a.why() + ")");
            }
        }
        return out;
    }
}
