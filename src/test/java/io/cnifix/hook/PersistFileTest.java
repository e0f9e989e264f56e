package io.cnifix.hook;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Family;
import io.cnifix.model.Rule;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.PersistFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --persist's file handling: cnifix's block in an iptables-services rules file, and nothing else touched. */
class PersistFileTest {
    /** The file iptables-services installs on RHEL, with an admin rule added. */
    static final String ADMIN = """
            # sample configuration for iptables service
            # you can edit this manually or use system-config-firewall
            # please do not ask us to add additional ports/services to this default configuration
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
            -A INPUT -p icmp -j ACCEPT
            -A INPUT -i lo -j ACCEPT
            -A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
            -A INPUT -j REJECT --reject-with icmp-host-prohibited
            -A FORWARD -s 192.0.2.0/24 -j DROP
            -A FORWARD -j REJECT --reject-with icmp-host-prohibited
            COMMIT
            """;

    /** A live ruleset with two of cnifix's rules: one in CNI-FORWARD, one in FORWARD (Docker beside Podman). */
    static final String LIVE = """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            :CNI-FORWARD - [0:0]
            -A FORWARD -j CNI-FORWARD
            -A FORWARD -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8090 -m comment --comment "cnifix: dweb tcp/8090" -j ACCEPT
            -A CNI-FORWARD -d 10.88.0.2/32 ! -i cni-podman0 -o cni-podman0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment "cnifix: web tcp/8080" -j ACCEPT
            -A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            COMMIT
            """;

    @TempDir
    Path tmp;

    static List<Rule> owned(String save) {
        return PersistFile.owned(IptablesSaveParser.parse(new InputText("live", save), Family.V4));
    }

    @Test
    void theBlockGoesAtTheEndOfTheFilterTableAndNothingElseChanges() {
        String out = PersistFile.merge(ADMIN, "iptables", owned(LIVE));
        String expectedBlock = PersistFile.BEGIN + "\n"
                + ":CNI-FORWARD - [0:0]\n"
                + "-I FORWARD 2 -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8090 -m comment --comment \"cnifix: dweb tcp/8090\" -j ACCEPT\n"
                + "-A CNI-FORWARD -d 10.88.0.2/32 ! -i cni-podman0 -o cni-podman0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment \"cnifix: web tcp/8080\" -j ACCEPT\n"
                + PersistFile.END + "\n";
        assertEquals(ADMIN.replace("COMMIT\n", expectedBlock + "COMMIT\n"), out);
    }

    @Test
    void mergingAgainIsANoOpAndAnEmptySetRemovesTheBlock() {
        String once = PersistFile.merge(ADMIN, "iptables", owned(LIVE));
        assertEquals(once, PersistFile.merge(once, "iptables", owned(LIVE)));
        assertEquals(ADMIN, PersistFile.merge(once, "iptables", List.of()));
    }

    @Test
    void cnifixRulesSavedOutsideTheBlockAreTakenIn() {
        // "service iptables save" while cnifix's rules were live: the whole ruleset, cnifix's rules included
        String saved = LIVE;
        String out = PersistFile.merge(saved, "iptables", owned(LIVE));
        assertEquals(1, out.split("cnifix: web tcp/8080", -1).length - 1, out);
        assertFalse(out.contains(":CNI-FORWARD - [0:0]\n" + PersistFile.END), "the file declares CNI-FORWARD already");
        assertTrue(out.contains("-A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"), out);
    }

    @Test
    void aFileItCannotSafelyEditIsRefused() {
        assertThrows(EnvironmentException.class, () -> PersistFile.merge("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", "f", owned(LIVE)));
        String open = ADMIN.replace("COMMIT\n", PersistFile.BEGIN + "\n-A FORWARD -j ACCEPT\nCOMMIT\n");
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> PersistFile.merge(open, "f", owned(LIVE)));
        assertTrue(e.getMessage().contains("f:15"), e.getMessage());
    }

    @Test
    void writeReplacesTheFileAtomicallyKeepingItsMode() throws Exception {
        Path f = tmp.resolve("iptables");
        Files.writeString(f, ADMIN);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        FakeHost runner = new FakeHost("", "iptables-restore");
        assertTrue(new PersistFile(f, Family.V4, runner).write(owned(LIVE)));
        assertEquals(PersistFile.merge(ADMIN, "x", owned(LIVE)), Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of("iptables-restore", "--test"), runner.calls.get(0), "validated before it was written");
        assertFalse(new PersistFile(f, Family.V4, runner).write(owned(LIVE)), "unchanged the second time");
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    /** Answers restore --test like a strict iptables-restore: a \r anywhere fails; records what it was given. */
    static final class StrictRestore extends io.cnifix.system.ProcessRunner {
        final List<String> tested = new java.util.ArrayList<>();

        @Override
        public Result run(List<String> command, String stdin, java.time.Duration timeout) {
            tested.add(stdin);
            boolean bad = stdin.contains("\r") || stdin.contains("BROKEN");
            return new Result(command, bad ? 2 : 0, "", bad ? "iptables-restore: line 4 failed" : "");
        }

        @Override
        public boolean exists(String program) {
            return program.equals("iptables-restore");
        }
    }

    @Test
    void aCrlfFileIsCheckedAndWrittenWithItsOwnLineEndings() throws Exception {
        Path f = tmp.resolve("iptables");
        String crlf = ADMIN.replace("\n", "\r\n");
        Files.writeString(f, crlf);
        StrictRestore runner = new StrictRestore();
        new PersistFile(f, Family.V4, runner).test(owned(LIVE));
        assertEquals(crlf, Files.readString(f), "the check changes nothing");
        assertTrue(new PersistFile(f, Family.V4, runner).write(owned(LIVE)));
        String out = Files.readString(f);
        assertEquals(PersistFile.merge(ADMIN, "x", owned(LIVE)).replace("\n", "\r\n"), out);
        assertEquals(PersistFile.merge(ADMIN, "x", owned(LIVE)), PersistFile.merge(out, "x", owned(LIVE)).replace("\r\n", "\n"));
    }

    @Test
    void aFileThatWouldNotLoadIsRefusedBeforeAnythingChanges() throws Exception {
        Path f = tmp.resolve("iptables");
        String broken = ADMIN.replace("-A INPUT -p icmp", "BROKEN -A INPUT -p icmp");
        Files.writeString(f, broken);
        EnvironmentException e = assertThrows(EnvironmentException.class,
                () -> new PersistFile(f, Family.V4, new StrictRestore()).test(owned(LIVE)));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("line 4"), e.getMessage());
        assertEquals(broken, Files.readString(f));
    }

    @Test
    void aSymlinkedFileKeepsItsLinkAndTheTargetGetsTheRules() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("real"));
        Path target = dir.resolve("iptables");
        Files.writeString(target, ADMIN);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(tmp.resolve("iptables"), target);
        assertTrue(new PersistFile(link, Family.V4, new StrictRestore()).write(owned(LIVE)));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(PersistFile.merge(ADMIN, "x", owned(LIVE)), Files.readString(target));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void aMarkerBlockInTheNatTableIsTheAdminsAndStays() {
        String nat = "*nat\n:PREROUTING ACCEPT [0:0]\n" + PersistFile.BEGIN + "\n-A PREROUTING -p tcp --dport 81 -j REDIRECT --to-ports 80\n"
                + PersistFile.END + "\n-A PREROUTING -m comment --comment \"cnifix: x\" -j ACCEPT\nCOMMIT\n";
        String out = PersistFile.merge(nat + ADMIN, "f", owned(LIVE));
        assertTrue(out.startsWith(nat), out);
        assertEquals(nat + ADMIN, PersistFile.merge(out, "f", List.of()));
    }

    @Test
    void onlyTheExactMarkerLinesMakeTheBlock() {
        String admin = ADMIN.replace("COMMIT\n", "# cnifix: BEGINNING of the admin's own notes\n-A OUTPUT -j ACCEPT\n"
                + PersistFile.END + "  \nCOMMIT\n");
        String out = PersistFile.merge(admin, "f", List.of());
        assertTrue(out.contains("# cnifix: BEGINNING of the admin's own notes\n-A OUTPUT -j ACCEPT\n"), out);
        String once = PersistFile.merge(ADMIN, "f", owned(LIVE)).replace(PersistFile.END + "\n", PersistFile.END + " \r\n");
        assertEquals(ADMIN, PersistFile.merge(once, "f", List.of()));
    }
}
