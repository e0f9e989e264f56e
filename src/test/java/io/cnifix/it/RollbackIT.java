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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection around the apply: a wrapper iptables-restore that lets another program change the ruleset
 * between cnifix's read and its restore, then fails or succeeds. cnifix must undo only its own change, never
 * another program's, and say exactly what is left when it cannot.
 */
@Tag("netns")
class RollbackIT {
    private static final String FIXTURE = "centos7-podman-cni";
    private static final String ADMIN_JUMP = "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-ADMIN";
    private static final String PODMAN_RULE = "-A CNI-FORWARD -s 10.88.0.11/32 -j ACCEPT";

    @TempDir
    Path tmp;

    /** A restore wrapper: the shell snippet {@code body} runs with "$@" as iptables-restore's arguments. */
    private Path wrapper(String body) throws Exception {
        Path w = tmp.resolve("restore-wrapper");
        Files.writeString(w, "#!/bin/sh\nset -u\nn=$(cat " + tmp.resolve("calls") + " 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "
                + tmp.resolve("calls") + "\n" + body + "\n");
        Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwx------"));
        return w;
    }

    private CnifixProcess.Result apply(KernelLab lab, Path wrapper, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("suggest", "--apply"));
        a.addAll(List.of(extra));
        a.addAll(CnifixProcess.stateArgs(Fixtures.ROOT.resolve(FIXTURE), null));
        a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        Map<String, String> env = wrapper == null ? Map.of() : Map.of("CNIFIX_IPTABLES_RESTORE", wrapper.toString());
        return CnifixProcess.run(lab.hostNetns(), env, a.toArray(String[]::new));
    }

    private static long owned(String rules) {
        return rules.lines().filter(l -> l.contains("cnifix: ")).count();
    }

    @Test
    void aRuleAnotherProgramDeletedMeanwhileStaysDeletedAfterTheRollback() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            String before = ApplyIT.rules(lab);
            // As `podman stop` does between cnifix's read and its restore; then the restore itself fails.
            Path w = wrapper("[ $n = 1 ] && iptables -w -D " + PODMAN_RULE.substring(3) + "\niptables-restore \"$@\"\n[ $n = 1 ] && exit 1\nexit 0");
            CnifixProcess.Result r = apply(lab, w);
            assertEquals(4, r.code(), r.toString());
            String after = ApplyIT.rules(lab);
            assertEquals(before.replace(PODMAN_RULE + "\n", ""), after, "only cnifix's change is undone");
            assertTrue(r.err().contains("other programs' changes are kept"), r.toString());
        }
    }

    @Test
    void aRuleAnotherProgramAddedMeanwhileStaysAfterTheRollback() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            String foreign = "-A FORWARD -s 198.51.100.7/32 -j DROP";
            Path w = wrapper("[ $n = 1 ] && iptables -w " + foreign
                    + "\niptables-restore \"$@\"\n[ $n = 1 ] && exit 1\nexit 0");
            CnifixProcess.Result r = apply(lab, w);
            assertEquals(4, r.code(), r.toString());
            String after = ApplyIT.rules(lab);
            assertTrue(after.contains(foreign + "\n"), after);
            assertEquals(0, owned(after), after);
        }
    }

    @Test
    void anInsertAtTheTopMeanwhileNeverLeavesCnifixAboveTheAdminJump() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            // Another program inserts at the top of CNI-FORWARD just before cnifix's restore, once.
            // A rule that changes no verdict, so only the placement can go wrong.
            String foreign = "-A CNI-FORWARD -s 192.0.2.1/32 -p udp -m udp --dport 9 -j DROP";
            Path w = wrapper("[ $n = 1 ] && iptables -w -I CNI-FORWARD 1 -s 192.0.2.1/32 -p udp -m udp --dport 9 -j DROP\nexec iptables-restore \"$@\"");
            CnifixProcess.Result r = apply(lab, w);
            assertEquals(0, r.code(), r.toString());
            List<String> chain = ApplyIT.rules(lab).lines().filter(l -> l.startsWith("-A CNI-FORWARD ")).toList();
            int admin = chain.indexOf(ADMIN_JUMP);
            int mine = -1;
            for (int i = 0; i < chain.size(); i++) {
                mine = chain.get(i).contains("cnifix: ") ? i : mine;
            }
            assertTrue(admin >= 0 && mine > admin, "cnifix's rule after the admin jump: " + chain);
            assertTrue(chain.contains(foreign), "the other program's rule stays: " + chain);
            assertEquals(1, owned(ApplyIT.rules(lab)));
            CnifixProcess.Result diff = CnifixProcess.run(lab.hostNetns(), Map.of(), diffArgs());
            assertFalse(diff.out().contains("misplaced-rule"), diff.toString());
        }
    }

    @Test
    void aMisplacedRuleFoundLaterIsReportedAndMoved() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            lab.hostExec(null, "iptables", "-w", "-I", "CNI-FORWARD", "1", "-d", "10.88.0.11/32", "!", "-i", "cni0", "-o", "cni0",
                    "-p", "tcp", "-m", "tcp", "--dport", "80", "-m", "conntrack", "--ctstate", "DNAT", "--ctorigdstport", "8080",
                    "-m", "comment", "--comment", "cnifix: web tcp/8080", "-j", "ACCEPT");
            CnifixProcess.Result diff = CnifixProcess.run(lab.hostNetns(), Map.of(), diffArgs());
            assertEquals(1, diff.code(), diff.toString());
            assertTrue(diff.out().contains("misplaced-rule"), diff.toString());
            CnifixProcess.Result r = apply(lab, null);
            assertEquals(0, r.code(), r.toString());
            List<String> chain = ApplyIT.rules(lab).lines().filter(l -> l.startsWith("-A CNI-FORWARD ")).toList();
            assertEquals(ADMIN_JUMP, chain.get(0), chain.toString());
            assertTrue(chain.get(1).contains("cnifix: web tcp/8080"), chain.toString());
            assertEquals(1, owned(ApplyIT.rules(lab)));
        }
    }

    @Test
    void aRollbackThatCannotApplyExits6AndSaysWhatIsLeft() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            // The apply goes through and reports failure; the undo is refused (as when the xtables lock is held).
            Path w = wrapper("[ $n = 1 ] && { iptables-restore \"$@\"; exit 1; }\necho 'Another app is currently holding the xtables lock' >&2\nexit 4");
            CnifixProcess.Result r = apply(lab, w);
            assertEquals(6, r.code(), r.toString());
            assertTrue(r.err().contains("ROLLBACK FAILED") && r.err().contains("added and still there")
                    && r.err().contains(tmp.resolve("backups").toString()), r.toString());
            assertEquals(1, owned(ApplyIT.rules(lab)), "the message is true: the rule is there");
        }
    }

    @Test
    void aNegativeWaitIsRefusedBeforeAnythingChanges() throws Exception {
        try (KernelLab lab = ApplyIT.labWith(FIXTURE)) {
            String before = ApplyIT.rules(lab);
            CnifixProcess.Result r = apply(lab, null, "--wait", "-1");
            assertEquals(2, r.code(), r.toString());
            assertEquals(before, ApplyIT.rules(lab));
        }
    }

    private static String[] diffArgs() {
        List<String> a = new ArrayList<>(List.of("diff", "--format", "json"));
        a.addAll(CnifixProcess.stateArgs(Fixtures.ROOT.resolve(FIXTURE), null));
        return a.toArray(String[]::new);
    }
}
