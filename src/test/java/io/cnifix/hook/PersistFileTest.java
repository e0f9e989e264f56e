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
}
