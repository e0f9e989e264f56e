package io.cnifix.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.lab.Probe;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Declared intent through every path that changes the firewall: a policy file that opens one container only to one
 * source and keeps another closed, honoured by suggest --apply and reconcile, seen by diff; a malformed policy line
 * stops everything before the firewall changes. Real iptables in a namespace, real packets.
 */
@Tag("netns")
class IntentIT {
    private static final String ALLOWED = "203.0.113.77";
    private static final String OTHER = "203.0.113.78";

    @TempDir
    Path tmp;

    private String[] args(Path fixture, Path policy, String... cmd) {
        List<String> a = new ArrayList<>(List.of(cmd));
        a.addAll(CnifixProcess.stateArgs(fixture, null));
        a.addAll(List.of("--policy", policy.toString()));
        if (a.contains("--apply") || cmd[0].equals("reconcile")) {
            a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        }
        return a.toArray(String[]::new);
    }

    private static Arrival send(KernelLab lab, HostAddress outside, String src, int port) throws Exception {
        return lab.probe(List.of(new Probe("p", outside.iface(), "tcp", src, 0, outside.address().toString(), port))).get(0).arrival();
    }

    @Test
    void aPolicyFileOpensOnlyToItsSourcesAndKeepsSkippedContainersClosed() throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        String name = "podman4-cni";
        Path fixture = Fixtures.ROOT.resolve(name);
        HostState h = Fixtures.host(name);
        LabTopology topo = LabHost.of(h, List.of());
        Path policy = tmp.resolve("policy.conf");
        try (KernelLab lab = KernelLab.create(topo)) {
            lab.loadRules(Files.readString(fixture.resolve("iptables-save.txt")), null);
            HostAddress outside = LabHost.outside(h, topo);
            String pristine = ApplyIT.rules(lab);

            Files.writeString(policy, "container web allow-from=" + ALLOWED + "\ncontainer multi skip extra\n");
            CnifixProcess.Result bad = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, policy, "suggest", "--apply"));
            assertEquals(2, bad.code(), bad.toString());
            assertTrue(bad.err().strip().startsWith("cnifix: " + policy + ":2: unknown word 'extra'"), bad.err());
            assertEquals(1, bad.err().strip().lines().count(), "one line: " + bad.err());
            assertEquals(pristine, ApplyIT.rules(lab), "a malformed policy changes nothing");

            Files.writeString(policy, "# web only for one client; multi stays closed\ncontainer web allow-from=" + ALLOWED
                    + "\ncontainer multi skip\n");
            CnifixProcess.Result applied = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, policy, "suggest", "--apply"));
            assertEquals(0, applied.code(), applied.toString());
            assertTrue(applied.out().contains("-s " + ALLOWED + "/32 -d 10.88.0.2/32"), applied.out());
            assertTrue(applied.out().contains("multi tcp/8081: kept closed on purpose (" + policy + ":3)"), applied.out());

            assertInstanceOf(Arrival.Forwarded.class, send(lab, outside, ALLOWED, 8080), "the declared source gets in");
            assertInstanceOf(Arrival.None.class, send(lab, outside, OTHER, 8080), "another source does not");
            assertInstanceOf(Arrival.None.class, send(lab, outside, ALLOWED, 8081), "the skipped container stays closed");

            CnifixProcess.Result diff = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, policy, "diff", "--format", "json"));
            JsonObject j = JsonParser.parseString(diff.out()).getAsJsonObject();
            for (var e : j.getAsJsonArray("ports")) {
                JsonObject p = e.getAsJsonObject();
                String key = p.get("container").getAsString() + "/" + p.get("hostPort").getAsInt();
                switch (key) {
                    case "web/8080" -> assertEquals("ok", p.get("status").getAsString(), p.toString());
                    case "multi/8081", "multi/5353" -> assertEquals("blocked", p.get("status").getAsString(), p.toString());
                    default -> { }
                }
            }
            assertEquals(0, diff.code(), "nothing to fix once the declaration is honoured: " + diff);

            String applied1 = ApplyIT.rules(lab);
            CnifixProcess.Result rec = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, policy, "reconcile"));
            assertEquals(0, rec.code(), rec.toString());
            assertEquals(applied1, ApplyIT.rules(lab), "reconcile keeps the declared choice");

            // The admin changes their mind: web open to everyone. reconcile replaces the narrowed rule.
            Files.writeString(policy, "container multi skip\n");
            rec = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, policy, "reconcile"));
            assertEquals(0, rec.code(), rec.toString());
            assertInstanceOf(Arrival.Forwarded.class, send(lab, outside, OTHER, 8080), "now every source gets in");
            assertTrue(!ApplyIT.rules(lab).contains("-s " + ALLOWED), "the narrowed rule is gone");
        }
    }
}
