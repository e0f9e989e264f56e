package io.cnifix.kernel;

import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.TraceStep;
import io.cnifix.engine.Verdict;
import io.cnifix.engine.compare.Explorer;
import io.cnifix.lab.Answer;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.model.IpAddress;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The reply direction of the kernel differentials. Every probe the kernel forwarded to a container is opened again
 * as a real connection that the container answers ({@link KernelLab#connect}); the simulator's verdict for the
 * whole connection (first packet accepted to the container, and the container's answer, traced with
 * {@link Simulator#traceReply}, accepted back out to the client) must match whether the client heard the answer.
 * Only probes whose answer the host routes back out of the link they came in by take part: elsewhere the client
 * could never hear it, whatever the rules say.
 */
final class Replies {

    /** One connection: the probe as sent, whether the kernel's client heard the answer, the simulator's view. */
    record Outcome(Probe probe, boolean answered, Verdict simulated, Trace first, Trace reply) {
        boolean definite() {
            return simulated != Verdict.UNKNOWN;
        }

        boolean agrees() {
            return definite() && (simulated == Verdict.ACCEPT) == answered;
        }
    }

    /** Probes, definite verdicts, answers and agreements over a whole run, for the report. */
    static final class Tally {
        private final Map<String, Integer> counts = new TreeMap<>();

        synchronized void add(String key) {
            counts.merge(key, 1, Integer::sum);
        }

        synchronized int get(String key) {
            return counts.getOrDefault(key, 0);
        }

        synchronized String report() {
            int probes = get("probes");
            int unknown = get("unknown");
            return String.format("%d connections, %d answered by the kernel, %d definite (%.1f%%), %d unknown"
                            + " (%.1f%%), %d agreements; %s", probes, get("answered"), probes - unknown,
                    100.0 * (probes - unknown) / Math.max(1, probes), unknown, 100.0 * unknown / Math.max(1, probes),
                    get("agree"), counts);
        }
    }

    private Replies() {
    }

    /**
     * Runs the reply-direction connections for the probes of {@code first} (rules still loaded) and returns every
     * outcome; the caller fails on those that disagree. A silence where the simulator expects an answer is
     * rechecked once with a long wait, so a slow machine cannot pass for a dropped reply.
     */
    static List<Outcome> run(KernelLab lab, LabWorld world, Function<Probe, Simulator> simulatorOf,
                             List<Agreement.Outcome> first, Agreement.Ports ports, Tally tally) throws Exception {
        List<Probe> probes = new ArrayList<>();
        Set<String> services = new LinkedHashSet<>();
        for (Agreement.Outcome o : first) {
            if (!(o.kernel() instanceof Arrival.Forwarded f) || !world.members.containsKey(f.dst())) {
                continue;
            }
            Probe p = o.probe();
            io.cnifix.engine.HostNet.RouteEntry back = world.hostNet().route(IpAddress.parse(p.src()));
            if (back == null || !p.hostIface().equals(back.device())) {
                tally.add("asymmetric");
                continue;
            }
            probes.add(new Probe(p.id() + "r", p.hostIface(), p.proto(), p.src(), ports.next(p.proto()), p.dst(),
                    p.dport()));
            services.add(p.proto() + "/" + f.dport());
        }
        if (probes.isEmpty()) {
            return List.of();
        }
        List<Outcome> out = new ArrayList<>();
        for (Answer a : lab.connect(probes, services, 40)) {
            Outcome o = judge(simulatorOf.apply(a.probe()), a.probe(), a.answered());
            if (o.definite() && !o.agrees() && !o.answered()) {
                Probe again = new Probe(a.probe().id() + "+", a.probe().hostIface(), a.probe().proto(),
                        a.probe().src(), ports.next(a.probe().proto()), a.probe().dst(), a.probe().dport());
                Answer slow = lab.connect(List.of(again), services, 600).get(0);
                o = judge(simulatorOf.apply(again), again, slow.answered());
                tally.add("rechecked");
            }
            tally.add("probes");
            tally.add(!o.definite() ? "unknown" : o.agrees() ? "agree" : "disagree");
            if (o.answered()) {
                tally.add("answered");
            }
            if (o.definite() && o.simulated() != Verdict.ACCEPT && o.reply() != null) {
                tally.add("reply-" + o.reply().verdict().name().toLowerCase());
            }
            out.add(o);
        }
        return out;
    }

    /**
     * The simulator's verdict for the whole connection: ACCEPT when the first packet reaches a container and the
     * container's answer leaves by the link the client is on, DROP when either is stopped, UNKNOWN when either
     * is undecided.
     */
    static Outcome judge(Simulator sim, Probe p, boolean answered) {
        Packet packet = Agreement.packet(p);
        Trace t = sim.trace(packet);
        if (t.verdict() == Verdict.UNKNOWN) {
            return new Outcome(p, answered, Verdict.UNKNOWN, t, null);
        }
        if (!t.accepted() || !"forward".equals(t.delivery())) {
            return new Outcome(p, answered, Verdict.DROP, t, null);
        }
        Trace r = sim.traceReply(Explorer.replyOf(packet, t), Explorer.connectionOf(packet, t), Simulator.Detail.PATH);
        if (r.verdict() == Verdict.UNKNOWN) {
            return new Outcome(p, answered, Verdict.UNKNOWN, t, r);
        }
        boolean back = r.accepted() && "forward".equals(r.delivery()) && p.hostIface().equals(r.outInterface());
        return new Outcome(p, answered, back ? Verdict.ACCEPT : Verdict.DROP, t, r);
    }

    /** The connection, both verdicts and the reply's path through the simulator, for a failure message. */
    static String explain(Outcome o) {
        StringBuilder b = new StringBuilder();
        b.append("  connection ").append(Agreement.describe(o.probe())).append('\n');
        b.append("    kernel:    ").append(o.answered() ? "answered" : "no answer").append('\n');
        b.append("    simulator: first ").append(Agreement.describe(o.first(), o.probe()));
        if (o.reply() != null) {
            b.append("; reply ").append(o.reply().verdict()).append(' ').append(o.reply().delivery())
                    .append(o.reply().outInterface() == null ? "" : " out " + o.reply().outInterface());
            if (o.reply().decidedBy() != null) {
                b.append(" decided by ").append(o.reply().decidedBy().describe());
            }
            b.append('\n');
            for (Trace.ChainPass c : o.reply().chains()) {
                b.append("      reply chain ").append(c.hook()).append(' ').append(c.table()).append(' ')
                        .append(c.chain()).append(" (").append(c.priority()).append(") -> ").append(c.verdict())
                        .append('\n');
            }
            for (TraceStep s : o.reply().path()) {
                if (!s.matched().equals("no")) {
                    b.append("      ").append(s.rule().table()).append(' ').append(s.rule().text()).append("  => ")
                            .append(s.action()).append('\n');
                }
            }
        } else {
            b.append('\n');
        }
        return b.toString();
    }
}
