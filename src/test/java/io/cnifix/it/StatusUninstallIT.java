package io.cnifix.it;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.lab.Arrival;
import io.cnifix.lab.KernelLab;
import io.cnifix.lab.LabTopology;
import io.cnifix.lab.Probe;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * status lists exactly what cnifix installed, and uninstall --apply removes exactly that, leaving the admin's and
 * the engine's rules as they were, so published ports time out again; all in a namespace with real packets.
 */
@Tag("netns")
class StatusUninstallIT {
    @TempDir
    Path tmp;

    private List<String> args(Path fixture, String... cmd) {
        List<String> a = new ArrayList<>(List.of(cmd));
        a.addAll(CnifixProcess.stateArgs(fixture, null));
        if (List.of(cmd).contains("--apply")) {
            a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        }
        return a;
    }

    private static Arrival send(KernelLab lab, String iface, String proto, String dst, int port) throws Exception {
        return lab.probe(List.of(new Probe("p", iface, proto, "203.0.113.77", 0, dst, port))).get(0).arrival();
    }

    @Test
    void statusListsWhatSuggestInstalledAndUninstallRemovesOnlyThat() throws Exception {
        assumeTrue(KernelLab.available(), KernelLab.unavailableReason());
        String name = "podman4-cni";
        Path fixture = Fixtures.ROOT.resolve(name);
        HostState h = Fixtures.host(name);
        LabTopology topo = LabHost.of(h, List.of());
        try (KernelLab lab = KernelLab.create(topo)) {
            lab.loadRules(Files.readString(fixture.resolve("iptables-save.txt")), null);
            String pristine = ApplyIT.rules(lab);
            HostAddress outside = LabHost.outside(h, topo);

            CnifixProcess.Result none = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, "status").toArray(String[]::new));
            assertEquals(0, none.code(), none.toString());
            assertTrue(none.out().contains("no rule"), none.toString());

            Path boot = tmp.resolve("iptables");
            String admin = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
            java.nio.file.Files.writeString(boot, admin);
            List<String> persisting = new ArrayList<>(args(fixture, "suggest", "--apply"));
            persisting.addAll(List.of("--persist", "--persist-file", boot.toString()));
            CnifixProcess.Result applied = CnifixProcess.run(lab.hostNetns(), Map.of(), persisting.toArray(String[]::new));
            assertEquals(0, applied.code(), applied.toString());
            long installed = ApplyIT.rules(lab).lines().filter(l -> l.contains("--comment \"cnifix: ")).count();
            assertTrue(installed > 0);
            assertTrue(java.nio.file.Files.readString(boot).contains("cnifix: BEGIN"), "--persist wrote the block");

            CnifixProcess.Result st = CnifixProcess.run(lab.hostNetns(), Map.of(),
                    args(fixture, "status", "--format", "json").toArray(String[]::new));
            assertEquals(0, st.code(), st.toString());
            JsonObject j = JsonParser.parseString(st.out()).getAsJsonObject();
            JsonArray owned = j.getAsJsonArray("owned");
            assertEquals(installed, owned.size(), st.out());
            for (var e : owned) {
                JsonObject o = e.getAsJsonObject();
                assertTrue(o.get("needed").getAsBoolean(), o.toString());
                assertEquals("iptables", o.get("backend").getAsString());
                assertEquals("filter", o.get("table").getAsString());
                PortMapping m = h.mappings().stream().filter(x -> x.containerName().equals(o.get("container").getAsString())
                        && x.hostPort() == o.get("hostPort").getAsInt()).findFirst().orElseThrow();
                assertEquals(m.containerIp().toString(), o.get("containerIp").getAsString());
                assertEquals(1, o.getAsJsonArray("serves").size());
            }

            CnifixProcess.Result dry = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, "uninstall").toArray(String[]::new));
            assertEquals(1, dry.code(), "changes to propose: " + dry);
            assertTrue(dry.err().contains("would close: web tcp/8080"), dry.toString());

            // Another program's chain and rule, added after cnifix's, must survive the uninstall. (A FORWARD rule would
            // do, but any drop there also changes some port's verdict: -d X drops the replies to client X.)
            lab.hostExec(null, "iptables", "-N", "FOREIGN");
            lab.hostExec(null, "iptables", "-A", "FOREIGN", "-d", "192.0.2.99", "-j", "DROP");
            List<String> uninstall = new ArrayList<>(args(fixture, "uninstall", "--apply"));
            uninstall.addAll(List.of("--persist", "--persist-file", boot.toString()));
            CnifixProcess.Result un = CnifixProcess.run(lab.hostNetns(), Map.of(), uninstall.toArray(String[]::new));
            assertEquals(0, un.code(), un.toString());
            assertTrue(un.err().contains("closed: web tcp/8080"), un.toString());
            String after = ApplyIT.rules(lab);
            assertFalse(after.contains("cnifix:"), after);
            assertEquals(admin, java.nio.file.Files.readString(boot), "uninstall --persist takes cnifix's block out, the admin's lines stay");
            assertTrue(after.contains("-A FOREIGN -d 192.0.2.99/32 -j DROP"), after);
            lab.hostExec(null, "iptables", "-F", "FOREIGN");
            lab.hostExec(null, "iptables", "-X", "FOREIGN");
            assertEquals(pristine, ApplyIT.rules(lab), "exactly the rules before cnifix came");
            for (PortMapping m : h.mappings()) {
                if (m.hostIp() == null) {
                    assertInstanceOf(Arrival.None.class, send(lab, outside.iface(), m.protocol(), outside.address().toString(), m.hostPort()),
                            "closed again: " + m);
                }
            }
            CnifixProcess.Result again = CnifixProcess.run(lab.hostNetns(), Map.of(), args(fixture, "uninstall", "--apply").toArray(String[]::new));
            assertEquals(0, again.code(), again.toString());
            assertEquals(pristine, ApplyIT.rules(lab), "a second uninstall changes nothing");
        }
    }
}
