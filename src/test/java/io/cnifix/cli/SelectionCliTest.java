package io.cnifix.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** suggest --container/--port/--from narrow what is proposed, and --save records the choice for later passes. */
class SelectionCliTest {
    private static final String F = "fixtures/podman4-cni";

    @Test
    void containerPortAndFromNarrowTheProposal(@TempDir Path tmp) {
        CliTest.Run all = CliTest.run("suggest", "--snapshot", F, "--format", "iptables");
        assertEquals(3, all.out().lines().filter(l -> l.startsWith("iptables ")).count(), all.out());
        CliTest.Run one = CliTest.run("suggest", "--snapshot", F, "--format", "iptables", "--container", "multi", "--port", "tcp/8081",
                "--from", "10.0.0.0/8,192.0.2.7");
        assertEquals(1, one.code(), one.err());
        assertEquals(2, one.out().lines().filter(l -> l.startsWith("iptables ")).count(), "one rule per allowed source: " + one.out());
        assertTrue(one.out().lines().allMatch(l -> !l.startsWith("iptables ") || l.contains("cnifix: multi tcp/8081")), one.out());
        assertTrue(one.out().contains("-s 10.0.0.0/8 -d 10.88.0.3/32") && one.out().contains("-s 192.0.2.7/32 -d 10.88.0.3/32"), one.out());
        CliTest.Run typo = CliTest.run("suggest", "--snapshot", F, "--container", "mutli");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("--container mutli: no such container"), typo.err());
        CliTest.Run badPort = CliTest.run("suggest", "--snapshot", F, "--port", "icmp/8");
        assertEquals(2, badPort.code());
    }

    @Test
    void saveRecordsTheChoiceThatLaterPassesKeep(@TempDir Path tmp) throws Exception {
        Path policy = tmp.resolve("policy.conf");
        Files.writeString(policy, "# the admin's own line stays\ncontainer multi skip\n");
        CliTest.Run saved = CliTest.run("suggest", "--snapshot", F, "--policy", policy.toString(), "--container", "web",
                "--from", "203.0.113.0/24", "--save");
        assertEquals(1, saved.code(), saved.err());
        String text = Files.readString(policy);
        assertTrue(text.startsWith("# added by cnifix suggest --save\ncontainer web allow-from=203.0.113.0/24\n"), text);
        assertTrue(text.endsWith("# the admin's own line stays\ncontainer multi skip\n"), text);
        CliTest.Run later = CliTest.run("suggest", "--snapshot", F, "--policy", policy.toString(), "--format", "iptables");
        assertEquals(1, later.out().lines().filter(l -> l.startsWith("iptables ")).count(), "only web, only its source: " + later.out());
        assertTrue(later.out().contains("-s 203.0.113.0/24 -d 10.88.0.2/32"), later.out());
        CliTest.Run diff = CliTest.run("diff", "--snapshot", F, "--policy", policy.toString(), "--format", "json");
        assertTrue(diff.out().contains("kept closed on purpose (" + policy + ":4)"), diff.out());
        assertFalse(CliTest.run("suggest", "--snapshot", F, "--save").code() == 0, "--save alone has nothing to record");
    }
}
