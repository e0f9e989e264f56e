package io.cnifix.cli;

import io.cnifix.model.Chain;
import io.cnifix.model.Container;
import io.cnifix.model.HostState;
import io.cnifix.model.Match;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.model.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show the host as cnifix understands it: engines, networks, containers and published ports, chains and policies, and what it kept as unknown.")
final class ShowCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    OutputOptions output;

    ShowCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        output.requireFormat("text", "json");
        HostState host = state.load(ctx);
        Verbose.read(ctx, output, host, null);
        if (output.json()) {
            Json.print(ctx.out(), json(host));
        } else {
            text(host);
        }
        return ExitCodes.OK;
    }

    private static Set<String> engines(HostState h) {
        Set<String> out = new LinkedHashSet<>();
        for (Network n : h.networks()) {
            out.add(n.engine().id() + (n.backend() == null ? "" : "/" + n.backend()));
        }
        for (Container c : h.containers()) {
            out.add(c.engine().id());
        }
        out.removeIf(e -> out.stream().anyMatch(o -> o.startsWith(e + "/")));
        return out;
    }

    /** Rules with a match or target cnifix keeps only verbatim. */
    static List<Map<String, Object>> unknowns(HostState h) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Ruleset rs : h.rulesets()) {
            for (Table t : rs.tables().values()) {
                for (Chain c : t.chains().values()) {
                    for (Rule r : c.rules()) {
                        List<String> what = new ArrayList<>();
                        for (Match m : r.matches()) {
                            if (m instanceof Match.Unknown u) {
                                what.add("match " + u.module());
                            }
                        }
                        if (r.target() instanceof Target.Unknown u) {
                            what.add("target " + u.name());
                        }
                        if (!what.isEmpty()) {
                            Map<String, Object> ref = RuleRefs.rule(r);
                            ref.put("unknown", what);
                            out.add(ref);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, List<PortMapping>> portsByContainer(HostState h) {
        Map<String, List<PortMapping>> out = new LinkedHashMap<>();
        for (PortMapping m : h.mappings()) {
            out.computeIfAbsent(m.containerId(), k -> new ArrayList<>()).add(m);
        }
        return out;
    }

    private static Map<String, Object> json(HostState h) {
        List<Object> networks = new ArrayList<>();
        for (Network n : h.networks()) {
            networks.add(Json.obj("name", n.name(), "engine", n.engine().id(), "backend", n.backend(), "bridge", n.bridge(),
                    "subnets", n.subnets().stream().map(Object::toString).toList(),
                    "gateways", n.gateways().stream().map(Object::toString).toList(), "plugins", n.plugins(),
                    "firewallBackend", n.firewallBackend(), "ingressPolicy", n.ingressPolicy(),
                    "adminChain", n.adminChain(), "internal", n.internal(), "source", n.source()));
        }
        Map<String, List<PortMapping>> ports = portsByContainer(h);
        List<Object> containers = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Container c : h.containers()) {
            seen.add(c.id());
            containers.add(Json.obj("id", c.id(), "name", c.name(), "engine", c.engine().id(), "networks", c.networks(),
                    "networkMode", c.networkMode(), "rootless", c.rootless(),
                    "ports", portsJson(ports.getOrDefault(c.id(), List.of()))));
        }
        for (Map.Entry<String, List<PortMapping>> e : ports.entrySet()) {
            if (!seen.contains(e.getKey())) {
                PortMapping first = e.getValue().get(0);
                containers.add(Json.obj("id", e.getKey(), "name", first.containerName(), "engine", first.engine().id(),
                        "networks", List.of(), "networkMode", null, "rootless", false, "ports", portsJson(e.getValue())));
            }
        }
        List<Object> rulesets = new ArrayList<>();
        for (Ruleset rs : h.rulesets()) {
            List<Object> tables = new ArrayList<>();
            for (Table t : rs.tables().values()) {
                List<Object> chains = new ArrayList<>();
                for (Chain c : t.chains().values()) {
                    chains.add(Json.obj("name", c.name(), "policy", c.policy(), "rules", c.rules().size()));
                }
                tables.add(Json.obj("name", t.name(), "chains", chains));
            }
            rulesets.add(Json.obj("family", rs.family() == io.cnifix.model.Family.V4 ? "ipv4" : "ipv6",
                    "source", rs.source(), "rules", rs.ruleCount(), "tables", tables));
        }
        List<Object> addresses = new ArrayList<>();
        h.addresses().forEach(a -> addresses.add(Json.obj("interface", a.iface(), "address", a.address().toString(), "prefix", a.prefix())));
        List<Object> hooks = new ArrayList<>();
        for (Map.Entry<String, List<BaseChains.Entry>> e : BaseChains.of(h).entrySet()) {
            List<Object> chains = new ArrayList<>();
            for (BaseChains.Entry c : e.getValue()) {
                chains.add(Json.obj("family", c.family(), "table", c.table(), "chain", c.chain(), "type", c.type(),
                        "priority", c.priority(), "policy", c.policy(), "rules", c.rules(), "source", c.source()));
            }
            hooks.add(Json.obj("hook", e.getKey(), "chains", chains));
        }
        return Json.doc("engines", engines(h), "networks", networks, "containers", containers, "rulesets", rulesets,
                "addresses", addresses, "routes", h.routes().size(), "unknown", unknowns(h), "notes", h.notes(),
                "baseChains", hooks);
    }

    private static List<Object> portsJson(List<PortMapping> ports) {
        List<Object> out = new ArrayList<>();
        for (PortMapping m : ports) {
            out.add(Json.obj("protocol", m.protocol(), "hostIp", m.hostIp() == null ? "" : m.hostIp().toString(),
                    "hostPort", m.hostPort(), "containerIp", m.containerIp() == null ? null : m.containerIp().toString(),
                    "containerPort", m.containerPort(), "network", m.network(), "source", m.source()));
        }
        return out;
    }

    private void text(HostState h) {
        var out = ctx.out();
        out.println("Engines: " + (engines(h).isEmpty() ? "none found" : String.join(", ", engines(h))));
        out.println();
        int width = output.width(ctx);
        out.println("Networks (" + h.networks().size() + "):");
        TextTable nets = new TextTable("NAME", "ENGINE", "BACKEND", "BRIDGE", "SUBNETS", "PLUGINS").indent("  ");
        for (Network n : h.networks()) {
            nets.row(n.name(), n.engine().id(), n.backend() == null ? "-" : n.backend(), n.bridge() == null ? "?" : n.bridge(),
                    String.join(", ", n.subnets().stream().map(Object::toString).toList()), String.join(", ", n.plugins()));
        }
        nets.print(out, width);
        out.println();
        out.println("Published ports (" + h.mappings().size() + "):");
        TextTable ports = new TextTable("CONTAINER", "ENGINE", "PUBLISHED", "TARGET", "NETWORK").indent("  ");
        for (PortMapping m : h.mappings()) {
            ports.row(m.containerName(), m.engine().id(), io.cnifix.model.IpAddress.withPort(m.hostIp(), "*", m.hostPort()) + "/" + m.protocol(),
                    io.cnifix.model.IpAddress.withPort(m.containerIp(), "?", m.containerPort()), m.network() == null ? "?" : m.network());
        }
        ports.print(out, width);
        for (Ruleset rs : h.rulesets()) {
            out.println();
            out.println((rs.family() == io.cnifix.model.Family.V4 ? "IPv4" : "IPv6") + " rules from " + rs.source()
                    + " (" + rs.ruleCount() + " rules):");
            if (!rs.tables().isEmpty()) {
                out.printf("    %-28s %-7s %s%n", "CHAIN", "POLICY", "RULES");
            }
            for (Table t : rs.tables().values()) {
                out.println("  *" + t.name());
                for (Chain c : t.chains().values()) {
                    out.printf("    %-28s %-7s %d%n", c.name(), c.policy() == null ? "-" : c.policy(), c.rules().size());
                }
            }
        }
        var hooks = BaseChains.of(h);
        if (!hooks.isEmpty()) {
            out.println();
            out.println("Base chains per hook, in the order the kernel runs them (lowest priority first):");
            for (Map.Entry<String, List<BaseChains.Entry>> e : hooks.entrySet()) {
                out.println("  " + e.getKey() + ":");
                for (BaseChains.Entry c : e.getValue()) {
                    out.printf("    %6d  %-5s %-16s %-28s %-7s policy %-7s %4d rules  (%s)%n", c.priority(), c.family(), c.table(),
                            c.chain(), c.type(), c.policy(), c.rules(), c.source());
                }
            }
        }
        List<Map<String, Object>> unknown = unknowns(h);
        if (!unknown.isEmpty()) {
            out.println();
            out.println("Kept as unknown (explored both ways when traced):");
            for (Map<String, Object> u : unknown) {
                out.println("  " + u.get("source") + ":" + u.get("line") + " " + u.get("unknown") + ": " + u.get("text"));
            }
        }
        if (!output.quiet) {
            out.println();
            out.println("To judge these ports against Docker's behaviour: cnifix diff");
        }
        Notes.print(ctx, output, h.notes());
    }
}
