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
import java.util.concurrent.Callable;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Judge every published port against Docker's behaviour; list exposures and structural findings.")
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
        DiffReport report = new Comparer(host, reference.model(), reference.admin()).compare();
        java.util.List<Against.Pairing> pairs = null;
        if (against != null) {
            HostState docker = io.cnifix.ingest.HostStateBuilder.build(new io.cnifix.system.StateFiles(ctx.in()).snapshot(against));
            pairs = Against.pair(report, new Comparer(docker, reference.model(), reference.admin()).compare());
        }
        if (output.json()) {
            java.util.Map<String, Object> j = DiffJson.report(report);
            if (pairs != null) {
                j.put("against", DiffJson.against(pairs));
            }
            ctx.out().println(Json.write(j));
        } else {
            new DiffText(ctx.out(), output.color(ctx)).print(report);
            if (pairs != null) {
                ctx.out().println();
                ctx.out().println("Against " + against + " (paired by container name and container port):");
                for (Against.Pairing p : pairs) {
                    if (!p.change().equals("same")) {
                        ctx.out().printf("  %-18s %s/%d: %s (there %s, here %s)%n", p.container(), p.protocol(), p.containerPort(),
                                p.change(), p.there() == null ? "-" : p.there().status().id, p.here() == null ? "-" : p.here().status().id);
                    }
                }
            }
            if (!output.quiet) {
                for (String n : host.notes()) {
                    ctx.err().println("note: " + n);
                }
            }
        }
        return ExitCodes.of(report);
    }

    /** The text form: one row per port, then exposures, findings and a summary line. */
    record DiffText(PrintStream out, boolean color) {
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
            out.printf("%-18s %-22s %-22s %-12s %s%n", "CONTAINER", "PUBLISHED", "TARGET", "STATUS", "WHY");
            for (PortReport p : r.ports()) {
                PortMapping m = p.mapping();
                String published = IpAddress.withPort(m.hostIp(), "*", m.hostPort()) + "/" + m.protocol();
                String target = IpAddress.withPort(m.containerIp(), "?", m.containerPort());
                String status = paint(p.status());
                int pad = 12 + status.length() - p.status().id.length();
                out.printf("%-18s %-22s %-22s %-" + pad + "s %s%n", m.containerName(), published, target, status, p.why());
            }
            if (!r.exposures().isEmpty()) {
                out.println();
                out.println("Exposures (reachable from outside, but not under Docker):");
                for (Exposure e : r.exposures()) {
                    out.println("  " + e.containerIp() + " " + e.protocol() + " ports " + String.join(",", DiffJson.ranges(e.ports()))
                            + " from " + String.join(", ", DiffJson.sources(e.sources())) + ", let in by "
                            + (e.acceptedBy() == null ? "?" : e.acceptedBy().describe()));
                }
            }
            if (!r.findings().isEmpty()) {
                out.println();
                out.println("Findings:");
                for (Finding f : r.findings()) {
                    out.println("  " + f.kind() + ": " + f.detail() + (f.rule() == null ? "" : " (" + f.rule().source() + ":" + f.rule().line() + ")"));
                }
            }
            out.println();
            out.printf("%d ports: %d ok, %d gap, %d blocked, %d missing-dnat, %d not-exposed, %d unknown; %d exposures%n",
                    r.ports().size(), r.count(PortStatus.OK), r.count(PortStatus.GAP), r.count(PortStatus.BLOCKED),
                    r.count(PortStatus.MISSING_DNAT), r.count(PortStatus.NOT_EXPOSED), r.count(PortStatus.UNKNOWN),
                    r.exposures().size());
        }
    }
}
