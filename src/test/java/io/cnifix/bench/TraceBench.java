package io.cnifix.bench;

import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.system.StateFiles;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Times single traces with the full path recorded (what `cnifix trace` does) through a large snapshot: one to a
 * published port (DNAT, then FORWARD) and one that walks every INPUT rule. Usage: TraceBench SNAPSHOT_DIR
 */
public final class TraceBench {
    private TraceBench() {
    }

    public static void main(String[] args) {
        HostState h = HostStateBuilder.build(new StateFiles(System.in).snapshot(Path.of(args[0])));
        Simulator sim = new Simulator(h.rulesets().get(0), HostNet.of(h, List.of(), List.of()));
        var m = h.mappings().get(h.mappings().size() - 1);
        Packet published = Packet.newConnection("eth0", IpAddress.parse("203.0.113.9"), IpAddress.parse("192.0.2.10"), 6, 40000, m.hostPort());
        Packet ssh = Packet.newConnection("eth0", IpAddress.parse("203.0.113.9"), IpAddress.parse("192.0.2.10"), 6, 40000, 22);
        for (Packet p : new Packet[] {published, ssh}) {
            long[] us = new long[60];
            Trace t = null;
            for (int i = 0; i < us.length; i++) {
                long s = System.nanoTime();
                t = sim.trace(p);
                us[i] = (System.nanoTime() - s) / 1000;
            }
            long cold = us[0];
            long[] warm = Arrays.copyOfRange(us, 10, us.length);
            Arrays.sort(warm);
            System.out.printf("trace to port %d through %d rules (%d visited): cold %.1f ms, warm median %.2f ms, %s%n",
                    p.destinationPort(), h.rulesets().get(0).ruleCount(), t.path().size(), cold / 1000.0,
                    warm[warm.length / 2] / 1000.0, t.verdict());
        }
    }
}
