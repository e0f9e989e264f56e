package io.cnifix.cli;

import io.cnifix.model.HostState;
import io.cnifix.model.Network;
import io.cnifix.model.Ruleset;

import java.util.LinkedHashSet;
import java.util.Set;

/** With --verbose: what a command read and what it judges against, on standard error before the results. */
final class Verbose {
    private Verbose() {
    }

    static void read(CliContext ctx, OutputOptions output, HostState host, ReferenceOptions reference) {
        if (!output.verbose) {
            return;
        }
        for (Ruleset rs : host.rulesets()) {
            ctx.err().println("read " + Words.count(rs.ruleCount(), "rule") + " (" + (rs.family() == io.cnifix.model.Family.V4 ? "IPv4" : "IPv6")
                    + ") from " + rs.source());
        }
        Set<String> portSources = new LinkedHashSet<>();
        host.mappings().forEach(m -> portSources.add(m.source()));
        ctx.err().println("read " + Words.count(host.mappings().size(), "published port") + " of "
                + Words.count(host.containers().size(), "container") + (portSources.isEmpty() ? "" : " from " + String.join(", ", portSources)));
        Set<String> netSources = new LinkedHashSet<>();
        for (Network n : host.networks()) {
            netSources.add(n.name() + " (" + n.source() + ")");
        }
        ctx.err().println("read " + Words.count(host.networks().size(), "network") + (netSources.isEmpty() ? "" : ": " + String.join(", ", netSources)));
        ctx.err().println("read " + Words.count(host.addresses().size(), "host address") + " and " + Words.count(host.routes().size(), "route"));
        if (reference != null) {
            ctx.err().println("judged against Docker's " + reference.model().name().toLowerCase(java.util.Locale.ROOT)
                    + " behaviour; admin chains: DOCKER-USER, the networks' CNI admin chains"
                    + (reference.adminChains.isEmpty() ? "" : ", " + String.join(", ", reference.adminChains)));
        }
    }
}
