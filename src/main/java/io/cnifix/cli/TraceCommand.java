package io.cnifix.cli;

import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.TraceStep;
import io.cnifix.model.Cidr;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Ruleset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Follow one packet through the ruleset, rule by rule, and print its outcome.")
final class TraceCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    OutputOptions output;

    @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "CONTAINER:PORT[/PROTO]",
            description = "A published port: the packet is a new connection from outside to it, with --in, --dst,"
                    + " --proto and --dport taken from the host (each may still be given).")
    String target;
    @Option(names = "--in", paramLabel = "IFACE", description = "Interface the packet arrives on.")
    String in;
    @Option(names = {"--src", "--from"}, paramLabel = "IP", description = "Source address (with CONTAINER:PORT, default "
            + TraceTarget.OUTSIDE_V4 + ", a documentation address for 'somewhere outside').")
    String src;
    @Option(names = "--dst", paramLabel = "IP", description = "Destination address.")
    String dst;
    @Option(names = "--proto", paramLabel = "PROTO", converter = Candidates.Protocols.class,
            completionCandidates = Candidates.Protocols.class, description = "tcp, udp, sctp or icmp.")
    String proto;
    @Option(names = "--sport", paramLabel = "N", description = "Source port (default ${DEFAULT-VALUE}).")
    int sport = 40000;
    @Option(names = "--dport", paramLabel = "N", description = "Destination port.")
    Integer dport;
    @Option(names = "--state", paramLabel = "STATE", converter = Candidates.States.class,
            completionCandidates = Candidates.States.class, description = "NEW (default), ESTABLISHED, RELATED or INVALID.")
    String ctState = "NEW";
    @Option(names = "--local", paramLabel = "IP", description = "Treat this address as the host's own (repeatable).")
    List<String> locals = new ArrayList<>();
    @Option(names = "--route", paramLabel = "CIDR=IFACE", description = "Add a route (repeatable).")
    List<String> routes = new ArrayList<>();

    TraceCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        output.requireFormat("text", "json");
        HostState host = state.load(ctx);
        Verbose.read(ctx, output, host, null);
        defaults(host);
        Packet packet = packet();
        Ruleset rules = host.ruleset(packet.family());
        if (rules == null) {
            throw new UsageException("no " + (packet.family() == io.cnifix.model.Family.V4 ? "iptables" : "ip6tables")
                    + " dump given for a packet to " + dst);
        }
        Trace t = new Simulator(rules, host.nftTables(), HostNet.of(host, localAddresses(), extraRoutes())).trace(packet);
        if (output.json()) {
            Json.print(ctx.out(), json(t));
        } else {
            text(t);
        }
        return ExitCodes.OK;
    }

    /** Fills what CONTAINER:PORT implies and the user did not give; without it the packet must be spelled out. */
    private void defaults(HostState host) {
        if (target == null) {
            List<String> missing = new ArrayList<>();
            if (in == null) {
                missing.add("--in");
            }
            if (src == null) {
                missing.add("--src");
            }
            if (dst == null) {
                missing.add("--dst");
            }
            if (proto == null) {
                missing.add("--proto");
            }
            if (!missing.isEmpty()) {
                throw new UsageException("give a published port (cnifix trace CONTAINER:PORT) or the packet: missing "
                        + String.join(", ", missing));
            }
            return;
        }
        TraceTarget t = TraceTarget.resolve(target, host);
        in = in != null ? in : t.inInterface();
        dst = dst != null ? dst : t.destination().toString();
        proto = proto != null ? proto : t.mapping().protocol();
        dport = dport != null ? dport : t.mapping().hostPort();
        src = src != null ? src : t.destination().isV4() ? TraceTarget.OUTSIDE_V4 : TraceTarget.OUTSIDE_V6;
        if (t.standIn()) {
            locals.add(t.destination().toString());
        }
        if (output.verbose) {
            ctx.err().println("tracing " + proto + " " + src + ":" + sport + " -> " + dst + ":" + dport + " in " + in
                    + " (" + t.mapping().containerName() + " " + t.mapping().protocol() + "/" + t.mapping().hostPort() + ")");
        }
    }

    private Packet packet() {
        IpAddress s = address("--src", src);
        IpAddress d = address("--dst", dst);
        if (s.family() != d.family()) {
            throw new UsageException("--src and --dst must both be IPv4 or both IPv6");
        }
        int p;
        try {
            p = Packet.protocolNumber(proto);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--proto: " + e.getMessage());
        }
        if (p == 1 && !s.isV4()) {
            p = 58;
        }
        boolean ports = p == 6 || p == 17 || p == 132;
        if (ports && dport == null) {
            throw new UsageException("--dport is required for --proto " + proto);
        }
        if (ports && (sport < 0 || sport > 65535 || dport < 0 || dport > 65535)) {
            throw new UsageException("ports must be 0 to 65535");
        }
        String st = ctState.toUpperCase(Locale.ROOT);
        if (!List.of("NEW", "ESTABLISHED", "RELATED", "INVALID").contains(st)) {
            throw new UsageException("--state must be NEW, ESTABLISHED, RELATED or INVALID");
        }
        return new Packet(in, s, d, p, ports ? sport : 0, ports ? dport : 0, st, 0);
    }

    private static IpAddress address(String option, String text) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private List<IpAddress> localAddresses() {
        List<IpAddress> out = new ArrayList<>();
        for (String l : locals) {
            out.add(address("--local", l));
        }
        return out;
    }

    private List<HostNet.RouteEntry> extraRoutes() {
        List<HostNet.RouteEntry> out = new ArrayList<>();
        for (String r : routes) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new UsageException("--route takes CIDR=IFACE, got '" + r + "'");
            }
            try {
                out.add(new HostNet.RouteEntry(Cidr.parse(r.substring(0, eq)), r.substring(eq + 1), "unicast", 0, 2));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--route " + r + ": " + e.getMessage());
            }
        }
        return out;
    }

    static Map<String, Object> json(Trace t) {
        List<Object> path = new ArrayList<>();
        for (TraceStep s : t.path()) {
            Map<String, Object> step = RuleRefs.rule(s.rule());
            // "assumed yes/no": a rule the simulator could not decide and explored both ways
            step.put("matched", s.matched().endsWith("yes"));
            step.put("assumed", s.matched().startsWith("assumed"));
            step.put("action", s.action());
            step.put("baseChain", s.baseChain());
            // a native nftables rule has a handle instead of a line; missing values are null, never left out
            step.put("handle", s.nft() ? s.handle() : null);
            if (s.nft()) {
                step.put("line", null);
            }
            path.add(step);
        }
        List<Object> chains = new ArrayList<>();
        for (Trace.ChainPass c : t.chains()) {
            chains.add(Json.obj("hook", c.hook(), "table", c.table(), "chain", c.chain(), "priority", c.priority(),
                    "policy", c.policy(), "verdict", c.verdict().name(), "decidedBy", RuleRefs.decider(c.decidedBy())));
        }
        Map<String, Object> dnat = t.dnatAddress() == null ? null
                : Json.obj("address", t.dnatAddress().toString(), "port", t.dnatPort());
        return Json.doc("verdict", t.verdict().name(), "delivery", t.delivery(), "dnat", dnat,
                "outInterface", t.outInterface(), "decidedBy", RuleRefs.decider(t.decidedBy()), "path", path,
                "unknownRules", RuleRefs.rules(t.unknownRules()), "chains", chains, "assumptions", assumptions(t));
    }

    /** What the verdict takes for granted: stateful matches judged for a first connection from a quiet source. */
    static List<String> assumptions(Trace t) {
        List<String> out = new ArrayList<>();
        for (TraceStep s : t.path()) {
            for (io.cnifix.model.Match m : s.rule().matches()) {
                if (m instanceof io.cnifix.model.Match.Stateful st && !s.matched().startsWith("assumed")) {
                    out.add(s.rule().source() + ":" + s.rule().line() + ": -m " + st.module() + " judged for the first"
                            + " connection from a source with no history (--assume-history leaves it unknown)");
                    break;
                }
            }
        }
        return out;
    }

    private void text(Trace t) {
        TextTable steps = new TextTable("BASE CHAIN", "CHAIN", "#", "WHERE", "MATCHED", "ACTION", "RULE");
        for (TraceStep s : t.path()) {
            String where = s.nft() ? "handle " + s.handle() : s.rule().source() + ":" + s.rule().line();
            steps.row(s.baseChain() == null ? s.rule().table() : s.baseChain(), s.rule().chain(), s.rule().number(), where,
                    s.matched(), s.action(), s.rule().text());
        }
        steps.print(ctx.out(), output.width(ctx));
        if (!t.chains().isEmpty()) {
            ctx.out().println();
            TextTable met = new TextTable("#", "HOOK", "TABLE", "BASE CHAIN", "PRIORITY", "VERDICT", "DECIDED BY");
            int pass = 0;
            for (Trace.ChainPass c : t.chains()) {
                met.row(++pass, c.hook(), c.table(), c.chain(), c.priority(), c.verdict(),
                        c.decidedBy() == null ? "-" : c.decidedBy().describe());
            }
            met.print(ctx.out(), output.width(ctx));
            ctx.out().println();
        }
        StringBuilder sb = new StringBuilder().append(t.verdict());
        if ("forward".equals(t.delivery())) {
            sb.append(": forwarded out ").append(t.outInterface());
        } else if ("local".equals(t.delivery())) {
            sb.append(": delivered locally");
        }
        if (t.dnatAddress() != null) {
            sb.append(", DNAT to ").append(t.dnatPort() == null ? t.dnatAddress().toString() : t.dnatAddress().withPort(t.dnatPort()));
        }
        if (t.decidedBy() != null) {
            sb.append("; decided by ").append(t.decidedBy().describe());
        }
        if (!t.unknownRules().isEmpty()) {
            sb.append("; undecidable rules: ");
            for (int i = 0; i < t.unknownRules().size(); i++) {
                var r = t.unknownRules().get(i);
                sb.append(i == 0 ? "" : ", ").append(r.source()).append(':').append(r.line());
            }
        }
        ctx.out().println(sb);
        for (String a : assumptions(t)) {
            ctx.out().println("assuming " + a);
        }
        if (!output.quiet) {
            ctx.out().println();
            ctx.out().println("To judge every published port this way: cnifix diff");
        }
    }
}
