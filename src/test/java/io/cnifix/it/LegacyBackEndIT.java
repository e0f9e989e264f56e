package io.cnifix.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.Fixtures;
import io.cnifix.lab.KernelLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A REJECT in the legacy back end while cnifix works on iptables-nft: both back ends filter the same hooks, so the
 * legacy rule decides. diff must not say ok, and suggest --apply must not say verified.
 */
@Tag("netns")
class LegacyBackEndIT {
    private static final String FIXTURE = "centos7-podman-cni";
    /** After DNAT the packet goes to the container's port 80 through FORWARD. */
    private static final String[] LEGACY_REJECT = {"iptables-legacy", "-w", "-I", "FORWARD", "-d", "10.88.0.11/32", "-p", "tcp",
            "-m", "tcp", "--dport", "80", "-j", "REJECT"};

    @TempDir
    Path tmp;

    private CnifixProcess.Result run(KernelLab lab, String... cmd) throws Exception {
        List<String> a = new ArrayList<>(List.of(cmd));
        a.addAll(CnifixProcess.stateArgs(Fixtures.ROOT.resolve(FIXTURE), null));
        if (cmd[0].equals("suggest")) {
            a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        }
        return CnifixProcess.run(lab.hostNetns(), Map.of(), a.toArray(String[]::new));
    }

    private static JsonObject port(CnifixProcess.Result diff) {
        return JsonParser.parseString(diff.out()).getAsJsonObject().getAsJsonArray("ports").get(0).getAsJsonObject();
    }

    private static void assumeBothBackEnds(KernelLab lab) throws Exception {
        String v = lab.hostExec(null, "iptables-save", "--version");
        assumeTrue(v.contains("nf_tables"), "iptables is the nf_tables back end: " + v);
        lab.hostExec(null, "iptables-legacy-save");
    }

    @Test
    void aLegacyRejectMakesAnOpenPortBlockedNotOk() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            assumeBothBackEnds(lab);
            assertEquals(0, run(lab, "suggest", "--apply").code(), "opened on iptables-nft");
            assertEquals("ok", port(run(lab, "diff", "--format", "json")).get("status").getAsString());
            lab.hostExec(null, LEGACY_REJECT);
            CnifixProcess.Result d = run(lab, "diff", "--format", "json");
            JsonObject p = port(d);
            assertEquals("blocked", p.get("status").getAsString(), d.toString());
            assertTrue(p.toString().contains("iptables-legacy-save"), "the why names the legacy rule: " + p);
            CnifixProcess.Result text = run(lab, "diff");
            assertTrue(text.out().contains("blocked") && !text.out().contains(" ok "), text.out());
            assertTrue(text.err().contains("judged too"), text.err());
        }
    }

    @Test
    void anApplyThatALegacyRejectDefeatsIsNotVerified() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            assumeBothBackEnds(lab);
            String before = ApplyIT.rules(lab);
            lab.hostExec(null, LEGACY_REJECT);
            CnifixProcess.Result r = run(lab, "suggest", "--apply");
            assertEquals(4, r.code(), r.toString());
            assertTrue(!r.err().contains("verified") && (r.out() + r.err()).contains("iptables-legacy-save"), r.toString());
            assertEquals(before, ApplyIT.rules(lab), "nothing of cnifix's is left on iptables-nft");
            JsonObject p = port(run(lab, "diff", "--format", "json"));
            assertNotEquals("ok", p.get("status").getAsString(), p.toString());
        }
    }
}
