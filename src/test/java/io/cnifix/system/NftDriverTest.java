package io.cnifix.system;

import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;
import io.cnifix.remedy.RuleShape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The nft back end against the real nft of a network namespace made for the test: one batch applied, read back by
 * comment and statements, undone by handle; a failing nft leaves the ruleset byte for byte as it was.
 */
class NftDriverTest {
    private static final String ADMIN = """
            table inet filter {
              chain input { type filter hook input priority filter; policy accept; }
              chain forward { type filter hook forward priority filter; policy drop;
                ct state established,related accept
                ip saddr 203.0.113.0/24 drop
              }
            }
            table ip other {
              chain c {
                counter
              }
            }
            """;

    private static final io.cnifix.model.HostState EMPTY = new io.cnifix.model.HostState(List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of(), List.of());

    private String ns;
    private ProcessRunner inNs;

    @TempDir
    Path tmp;

    @BeforeEach
    void namespace() {
        assumeTrue("root".equals(System.getProperty("user.name")) && new ProcessRunner().exists("nft"), "needs root and nft");
        ns = "wnf-drv-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
        ProcessRunner host = new ProcessRunner();
        assertTrue(host.run(List.of("ip", "netns", "add", ns), null, Duration.ofSeconds(10)).ok());
        inNs = new ProcessRunner() {
            @Override
            public Result run(List<String> command, String stdin, Duration timeout) {
                List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
                c.addAll(command);
                return super.run(c, stdin, timeout);
            }
        };
        ProcessRunner.Result loaded = inNs.run(List.of("nft", "-f", "-"), ADMIN, Duration.ofSeconds(10));
        assertTrue(loaded.ok(), loaded.describe());
    }

    @AfterEach
    void remove() {
        if (ns != null) {
            new ProcessRunner().run(List.of("ip", "netns", "del", ns), null, Duration.ofSeconds(10));
        }
    }

    private String listing() {
        ProcessRunner.Result r = inNs.run(List.of("nft", "-a", "list", "ruleset"), null, Duration.ofSeconds(10));
        assertTrue(r.ok(), r.describe());
        return r.stdout();
    }

    private static PortMapping web() {
        return new PortMapping("c0ffee", "web", io.cnifix.model.Engine.PODMAN, "podman", "tcp", null, 8080,
                IpAddress.parse("10.88.0.2"), 80, "test");
    }

    private NftRule rule(NftDriver d, String chain, int index) {
        NftTable t = d.read().stream().filter(x -> x.label().equals("inet filter")).findFirst().orElseThrow();
        return t.chain(chain).rules().get(index);
    }

    private Plan plan(NftDriver d) {
        NftRule last = rule(d, "forward", 1);
        PortMapping m = web();
        List<Proposal> adds = List.of(
                new Proposal(Family.V4, "inet filter", "forward", (int) last.handle(), RuleShape.nftSpec(m, "podman0", null), m, "test",
                        last.text(), Backend.NFT),
                new Proposal(Family.V4, "inet filter", "forward", 0, RuleShape.nftReplySpec(m, "podman0", null), m, "test",
                        null, Backend.NFT));
        return new Plan(adds, List.of(), List.of(), List.of());
    }

    private Path script(String body) throws Exception {
        Path p = tmp.resolve("nft-" + System.nanoTime());
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    @Test
    void oneBatchAppliesReadsBackAndUndoesByHandle() {
        NftDriver d = new NftDriver(inNs, Map.of());
        String before = listing();
        assertEquals(before, d.save(null));
        Plan p = plan(d);
        assertTrue(d.touches(p));
        ProcessRunner.Result r = d.apply(p);
        assertTrue(r.ok(), r.describe());
        assertEquals(List.of(), d.notInEffect(p, d.readBack(EMPTY)));
        String after = listing();
        // The first rule right after the admin's last rule, the reply rule at the top; each prints back as written.
        assertTrue(after.contains(p.additions().get(0).spec() + " # handle"), after);
        assertTrue(after.contains(p.additions().get(1).spec() + " # handle"), after);
        assertTrue(after.indexOf("ip saddr 203.0.113.0/24 drop") < after.indexOf(p.additions().get(0).spec()), after);
        assertTrue(after.indexOf(p.additions().get(1).spec()) < after.indexOf("ct state established,related accept #"), after);
        assertEquals(2, d.left(p).size(), "before the undo, left() sees both rules still there");
        ProcessRunner.Result u = d.undo(p);
        assertTrue(u != null && u.ok(), u == null ? "nothing to undo" : u.describe());
        assertEquals(List.of(), d.left(p));
        assertEquals(before, listing(), "undone: the ruleset as it was, byte for byte");
        assertNull(d.undo(p), "a second undo has nothing to do");
    }

    @Test
    void aRemovalIsDeletedByHandleAndPutBackWhereItWas() {
        NftDriver d = new NftDriver(inNs, Map.of());
        Plan add = plan(d);
        assertTrue(d.apply(add).ok());
        String withRules = listing();
        NftRule owned = rule(d, "forward", 3);
        assertEquals("cnifix: web tcp/8080", owned.comment());
        assertTrue(owned.text().contains("ct status dnat"), owned.text());
        Plan prune = new Plan(List.of(), List.of(new Removal(Family.V4, null, "gone", Backend.NFT, owned)), List.of(), List.of());
        assertTrue(d.apply(prune).ok());
        assertEquals(List.of(), d.notInEffect(prune, d.readBack(EMPTY)));
        assertFalse(listing().contains("ct status dnat"), "deleted by its handle");
        assertTrue(listing().contains("ct state established,related ct protocol tcp"), "the other rule stays");
        assertTrue(d.undo(prune).ok());
        assertEquals(List.of(), d.left(prune));
        String back = listing();
        assertNotEquals(withRules, back, "put back under a new handle");
        assertEquals(withRules.replaceAll("# handle \\d+", ""), back.replaceAll("# handle \\d+", ""), "in the same place");
    }

    @Test
    void aFailingNftLeavesTheRulesetAsItWas() throws Exception {
        String before = listing();
        NftDriver fails = new NftDriver(inNs, Map.of("CNIFIX_NFT", script("case \"$1\" in -f) cat >/dev/null; exit 1;; *) exec nft \"$@\";; esac").toString()));
        Plan p = plan(new NftDriver(inNs, Map.of()));
        ProcessRunner.Result r = fails.apply(p);
        assertFalse(r.ok());
        assertEquals(2, fails.notInEffect(p, fails.readBack(EMPTY)).size());
        assertNull(fails.undo(p), "nothing was applied, nothing to undo");
        assertEquals(before, listing());
    }

    @Test
    void anNftThatAppliesThenFailsIsUndoneToTheSameBytes() throws Exception {
        String before = listing();
        NftDriver late = new NftDriver(inNs, Map.of("CNIFIX_NFT", script("case \"$1\" in -f) nft \"$@\"; exit 3;; *) exec nft \"$@\";; esac").toString()));
        Plan p = plan(new NftDriver(inNs, Map.of()));
        assertFalse(late.apply(p).ok());
        assertEquals(List.of(), late.notInEffect(p, late.readBack(EMPTY)), "it did apply");
        NftDriver d = new NftDriver(inNs, Map.of());
        assertTrue(d.undo(p).ok());
        assertEquals(before, listing());
    }

    @Test
    void aMovedAnchorRefusesTheWholeBatch() {
        NftDriver d = new NftDriver(inNs, Map.of());
        Plan p = plan(d);
        NftRule anchor = rule(d, "forward", 1);
        assertTrue(inNs.run(List.of("nft", "delete", "rule", "inet", "filter", "forward", "handle", Long.toString(anchor.handle())),
                null, Duration.ofSeconds(10)).ok());
        String before = listing();
        ProcessRunner.Result r = d.apply(p);
        assertFalse(r.ok());
        assertTrue(r.stderr().contains("not there any more"), r.stderr());
        assertEquals(before, listing());
    }

    @Test
    void batchWordsAreNftCommands() {
        PortMapping m = web();
        Proposal top = new Proposal(Family.V4, "inet filter", "forward", 0, "accept", m, "", null, Backend.NFT);
        Proposal after = new Proposal(Family.V4, "inet filter", "forward", 7, "accept", m, "", null, Backend.NFT);
        assertEquals("insert rule inet filter forward accept", NftDriver.command(top));
        assertEquals("add rule inet filter forward position 7 accept", NftDriver.command(after));
    }
}
