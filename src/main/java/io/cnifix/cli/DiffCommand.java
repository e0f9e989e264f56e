package io.cnifix.cli;

import io.cnifix.engine.compare.Against;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.Exposure;
import io.cnifix.engine.compare.Finding;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "diff", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Judge every published port against Docker's behaviour; list exposures and structural findings.",
        footerHeading = "%nExamples:%n",
        footer = {"  cnifix diff                                   this host, read live",
                "  cnifix diff --snapshot DIR --format json      a snapshot, for a script",
                "  cnifix diff --rules iptables.save --ports podman-inspect.json --networks /etc/cni/net.d"})
final class DiffCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    ReferenceOptions reference;
    @Mixin
    OutputOptions output;

    @picocli.CommandLine.Option(names = "--against", paramLabel = "DOCKER_SNAPSHOT",
            description = "A Docker host's snapshot: pair containers by name and container port and report what was reachable there and is not here, and the reverse.")
    java.nio.file.Path against;

    DiffCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        output.requireFormat("text", "json");
        HostState host = state.load(ctx);
        Verbose.read(ctx, output, host, reference);
        DiffReport report = MissingInput.adjust(new Comparer(host, reference.model(), reference.admin()).compare());
        List<Against.Pairing> pairs = null;
        if (against != null) {
            HostState docker = io.cnifix.ingest.HostStateBuilder.build(SnapshotArchive.read(ctx, against));
            pairs = Against.pair(report, new Comparer(docker, reference.model(), reference.admin()).compare());
        }
        if (output.json()) {
            java.util.Map<String, Object> j = DiffJson.report(report);
            if (pairs != null) {
                j.put("against", DiffJson.against(pairs));
            }
            Json.print(ctx.out(), j);
        } else {
            DiffText text = new DiffText(ctx.out(), output.color(ctx), output.width(ctx), output.quiet);
            text.print(report);
            if (pairs != null) {
                ctx.out().println();
                ctx.out().println("Against " + against + " (paired by container name and container port):");
                TextTable t = new TextTable("CONTAINER", "PORT", "CHANGE", "THERE", "HERE").indent("  ");
                for (Against.Pairing p : pairs) {
                    if (!p.change().equals("same")) {
                        t.row(p.container(), p.protocol() + "/" + p.containerPort(), p.change(),
                                p.there() == null ? "-" : p.there().status().id, p.here() == null ? "-" : p.here().status().id);
                    }
                }
                t.print(ctx.out(), output.width(ctx));
            }
            if (!output.quiet) {
                text.next(report);
            }
            Notes.print(ctx, output, host.notes());
        }
        return ExitCodes.of(report);
    }

    /** The text form: one row per port, then exposures, findings, a summary line and what to run next. */
    record DiffText(PrintStream out, boolean color, int width, boolean quiet) {
        private String paint(PortStatus s) {
            String text = s.id;
            if (!color) {
                return text;
            }
            String code = switch (s) {
                case OK -> "32";
                case GAP, MISSING_DNAT -> "31";
                case BLOCKED -> "33";
                default -> "36";
            };
            return "\u001b[" + code + "m" + text + "\u001b[0m";
        }

        void print(DiffReport r) {
            TextTable ports = new TextTable("CONTAINER", "PUBLISHED", "TARGET", "STATUS", "WHY");
            for (PortReport p : r.ports()) {
                PortMapping m = p.mapping();
                String published = IpAddress.withPort(m.hostIp(), "*", m.hostPort()) + "/" + m.protocol();
                String target = IpAddress.withPort(m.containerIp(), "?", m.containerPort());
                ports.row(m.containerName(), published, target, paint(p.status()), p.why());
            }
            if (!ports.empty()) {
                ports.print(out, width);
            }
            if (!r.exposures().isEmpty()) {
                out.println();
                out.println("Exposures (reachable from outside, but not under Docker):");
                TextTable t = new TextTable("CONTAINER", "PORTS", "FROM", "LET IN BY").indent("  ");
                for (Exposure e : r.exposures()) {
                    List<String> names = DiffJson.containersAt(r, e.containerIp());
                    String who = (names.isEmpty() ? "" : String.join(",", names) + " ") + "(" + e.containerIp() + ")";
                    t.row(who, e.protocol() + " " + String.join(",", DiffJson.ranges(e.ports())),
                            DiffJson.who(r, e), e.acceptedBy() == null ? "?" : e.acceptedBy().describe());
                }
                t.print(out, width);
            }
            List<Finding> findings = r.findings().stream().filter(f -> !quiet || !f.kind().equals("note")).toList();
            if (!findings.isEmpty()) {
                out.println();
                out.println("Findings:");
                for (Finding f : findings) {
                    out.println(TextTable.cut("  " + f.kind() + ": " + f.detail() + (f.rule() == null ? "" : " (" + f.rule().source() + ":" + f.rule().line() + ")"),
                            width == 0 ? Integer.MAX_VALUE : width));
                }
            }
            if (!r.ports().isEmpty() || !r.exposures().isEmpty()) {
                out.println();
            }
            // only the statuses that occur, so that the line fits a terminal (JSON's summary has every count)
            List<String> counts = new java.util.ArrayList<>();
            for (PortStatus s : List.of(PortStatus.OK, PortStatus.GAP, PortStatus.BLOCKED, PortStatus.MISSING_DNAT,
                    PortStatus.NOT_EXPOSED, PortStatus.UNKNOWN)) {
                if (r.count(s) > 0) {
                    counts.add(r.count(s) + " " + s.id);
                }
            }
            out.println(Words.count(r.ports().size(), "port") + (counts.isEmpty() ? "" : ": " + String.join(", ", counts))
                    + "; " + Words.count(r.exposures().size(), "exposure"));
        }

        /** What to run next, as git status says it. */
        void next(DiffReport r) {
            out.println();
            for (String line : Next.afterDiff(r)) {
                out.println(line);
            }
        }
    }
}
