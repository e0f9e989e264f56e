package io.cnifix.kernel;

import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.TraceStep;
import io.cnifix.engine.Verdict;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.Probe;
import io.cnifix.lab.ProbeResult;
import io.cnifix.model.IpAddress;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** The simulator's trace of a probe next to where the kernel delivered it, and whether the two agree. */
final class Agreement {

    record Outcome(Probe probe, Arrival kernel, Trace simulated) {
        boolean agrees() {
            return Agreement.agrees(simulated, kernel, probe);
        }
    }

    private Agreement() {
    }

    static Packet packet(Probe p) {
        return Packet.newConnection(p.hostIface(), IpAddress.parse(p.src()), IpAddress.parse(p.dst()),
                Packet.protocolNumber(p.proto()), p.sport(), p.dport());
    }

    /** Runs the probes in the lab (rules already loaded) and traces each through the simulator. */
    static List<Outcome> run(KernelLab lab, Simulator v4, Simulator v6, List<Probe> probes) throws Exception {
        List<Outcome> out = new ArrayList<>();
        for (ProbeResult r : lab.probe(probes)) {
            boolean six = r.probe().dst().contains(":");
            Simulator s = six ? v6 : v4;
            out.add(new Outcome(r.probe(), r.arrival(), s.trace(packet(r.probe()))));
        }
        return out;
    }

    /**
     * ACCEPT + forward out X to D:P is Forwarded(X, D, P); ACCEPT + local is Local (at the same address); DROP
     * and REJECT are None. UNKNOWN agrees with nothing.
     */
    static boolean agrees(Trace t, Arrival a, Probe p) {
        if (t.verdict() == Verdict.UNKNOWN) {
            return false;
        }
        if (t.verdict() != Verdict.ACCEPT) {
            return a instanceof Arrival.None;
        }
        String dst = KernelLab.canonicalAddress(t.dnatAddress() != null ? t.dnatAddress().toString() : p.dst());
        int dport = t.dnatPort() != null ? t.dnatPort() : p.dport();
        if (t.delivery().equals("local")) {
            return a instanceof Arrival.Local l && l.dst().equals(dst) && l.dport() == dport;
        }
        if (t.delivery().equals("forward")) {
            return a instanceof Arrival.Forwarded f && f.outIface().equals(t.outInterface()) && f.dst().equals(dst)
                    && f.dport() == dport;
        }
        return false;
    }

    static String describe(Trace t, Probe p) {
        if (t.verdict() != Verdict.ACCEPT) {
            return t.verdict() + " (" + t.delivery() + ")";
        }
        String dst = t.dnatAddress() != null ? t.dnatAddress().toString() : p.dst();
        int dport = t.dnatPort() != null ? t.dnatPort() : p.dport();
        return "ACCEPT " + t.delivery() + (t.outInterface() == null ? "" : " out " + t.outInterface()) + " to "
                + dst + ":" + dport;
    }

    static String describe(Probe p) {
        return p.id() + ": " + p.proto() + " " + p.src() + ":" + p.sport() + " -> " + p.dst() + ":" + p.dport()
                + " in " + p.hostIface();
    }

    /** The probe, both outcomes and the simulator's path, for a failure message. */
    static String explain(Outcome o) {
        StringBuilder b = new StringBuilder();
        b.append("  probe ").append(describe(o.probe())).append('\n');
        b.append("    kernel:    ").append(o.kernel()).append('\n');
        b.append("    simulator: ").append(describe(o.simulated(), o.probe()));
        if (o.simulated().decidedBy() != null) {
            b.append(" decided by ").append(o.simulated().decidedBy().describe());
        }
        b.append('\n');
        for (TraceStep s : o.simulated().path()) {
            if (!s.matched().equals("no")) {
                b.append("      ").append(s.rule().table()).append(' ').append(s.rule().text()).append("  => ")
                        .append(s.action()).append('\n');
            }
        }
        if (!o.simulated().unknownRules().isEmpty()) {
            b.append("    undecided: ").append(o.simulated().unknownRules()).append('\n');
        }
        return b.toString();
    }

    /** Source ports for one probe call: distinct per protocol, in 1024-65535 like the comparer's outside world. */
    static final class Ports {
        private final Random rnd;
        private final Set<String> used = new HashSet<>();
        private final int first;
        private final int last;

        Ports(Random rnd) {
            this(rnd, 1024, 65535);
        }

        /** Ports in first..last only (the diff test's clients: {@code Comparer.CLIENT_PORTS}). */
        Ports(Random rnd, int first, int last) {
            this.rnd = rnd;
            this.first = first;
            this.last = last;
        }

        int next(String proto) {
            while (true) {
                int p = first + rnd.nextInt(last - first + 1);
                if (used.add(proto + "/" + p)) {
                    return p;
                }
            }
        }
    }
}
