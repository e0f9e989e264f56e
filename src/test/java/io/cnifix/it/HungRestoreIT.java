package io.cnifix.it;

import io.cnifix.Fixtures;
import io.cnifix.lab.KernelLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore that commits and then hangs is killed at its time limit; cnifix never leaves that unverified (exit 3):
 * it undoes its own change and says so (exit 4), and the ruleset is as it was.
 */
@Tag("netns")
class HungRestoreIT {
    private static final String FIXTURE = "centos7-podman-cni";

    @TempDir
    Path tmp;

    @Test
    void aRestoreThatAppliesThenHangsIsUndoneNotLeftUnverified() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            String before = ApplyIT.rules(lab);
            Path w = tmp.resolve("restore-wrapper");
            // First call: apply for real, then hang (exec, so the kill reaches the sleeping process). Later calls: real.
            Files.writeString(w, "#!/bin/sh\nn=$(cat " + tmp.resolve("calls") + " 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "
                    + tmp.resolve("calls") + "\nif [ $n = 1 ]; then iptables-restore \"$@\" || exit 1; exec sleep 600; fi\nexec iptables-restore \"$@\"\n");
            Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwx------"));
            List<String> a = new ArrayList<>(List.of("suggest", "--apply", "--wait", "1"));
            a.addAll(CnifixProcess.stateArgs(Fixtures.ROOT.resolve(FIXTURE), null));
            a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
            CnifixProcess.Result r = CnifixProcess.run(lab.hostNetns(),
                    Map.of("CNIFIX_IPTABLES_RESTORE", w.toString(), "CNIFIX_RESTORE_TIMEOUT", "3"), a.toArray(String[]::new));
            assertEquals(4, r.code(), r.toString());
            assertTrue(r.err().contains("did not finish") && r.err().contains("rolled back"), r.toString());
            assertEquals(before, ApplyIT.rules(lab), "cnifix's committed change is undone");
        }
    }
}
