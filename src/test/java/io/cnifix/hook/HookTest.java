package io.cnifix.hook;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.cli.CliContext;
import io.cnifix.cli.Main;
import io.cnifix.system.Root;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * cnifix hook and cnifix reconcile against a {@link FakeHost}: what they add, remove, record and log, and that the
 * hook exits 0 whatever happens. (The real thing, with Podman in namespaces, is scripts/test-hooks.sh.)
 */
class HookTest {
    static final Path FIXTURE = Path.of("fixtures/podman4-cni");
    static final String WEB = "2498067b1f6a91d219e218f7305bd1b6dcb172549f0024cf32d9812d4ff79589";
    static final String MULTI = "fd7be1d5e7643f2213f78cb32642c138ad57351a14ad75eeceb2bbc9140ff826";
    static final String WEB_RULE = "-A CNI-FORWARD -d 10.88.0.2/32 ! -i cni-podman0 -o cni-podman0 -p tcp -m tcp --dport 80"
            + " -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment \"cnifix: web tcp/8080\" -j ACCEPT";
    static final String MULTI_RULE = "-A CNI-FORWARD -d 10.88.0.3/32 ! -i cni-podman0 -o cni-podman0 -p tcp -m tcp --dport 81"
            + " -m conntrack --ctstate DNAT --ctorigdstport 8081 -m comment --comment \"cnifix: multi tcp/8081\" -j ACCEPT";

    @TempDir
    Path tmp;
    String rules;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void load() throws Exception {
        rules = Files.readString(FIXTURE.resolve("iptables-save.txt"));
    }

    private Run run(FakeHost host, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new CliContext(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), host));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String[] hookArgs(String... first) {
        List<String> a = new ArrayList<>(List.of(first));
        a.addAll(List.of("--state-dir", tmp.resolve("state").toString(), "--backup-dir", tmp.resolve("backups").toString(),
                "--lock-file", tmp.resolve("lock").toString(), "--log-file", tmp.resolve("log").toString(),
                "--proc", tmp.resolve("proc").toString()));
        return a.toArray(String[]::new);
    }

    private String log() throws Exception {
        Path p = tmp.resolve("log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** podman inspect of one fixture container, as `podman inspect ID` prints it. */
    static String inspectOf(String id) throws Exception {
        JsonArray all = JsonParser.parseString(Files.readString(FIXTURE.resolve("ports/podman-inspect.json"))).getAsJsonArray();
        JsonArray one = new JsonArray();
        for (JsonElement e : all) {
            if (e.getAsJsonObject().get("Id").getAsString().equals(id)) {
                one.add(e);
            }
        }
        return one.toString();
    }

    private FakeHost liveHost() throws Exception {
        FakeHost h = new FakeHost(rules, "iptables-save", "iptables-restore", "ip", "podman");
        h.outputs.put("ip -j address", Files.readString(FIXTURE.resolve("ip-address.json")));
        h.outputs.put("ip -j route", Files.readString(FIXTURE.resolve("ip-route.json")));
        h.outputs.put("ip -6 -j route", Files.readString(FIXTURE.resolve("ip6-route.json")));
        h.outputs.put("podman inspect --type container " + WEB, inspectOf(WEB));
        return h;
    }

    private void record(String id, String name, String ip, String proto, int hostPort, int ctrPort) throws Exception {
        Files.createDirectories(tmp.resolve("state"));
        Files.writeString(tmp.resolve("state").resolve(id + ".json"), "{\"id\":\"" + id + "\",\"name\":\"" + name
                + "\",\"mappings\":[{\"protocol\":\"" + proto + "\",\"hostPort\":" + hostPort + ",\"containerIp\":\"" + ip
                + "\",\"containerPort\":" + ctrPort + "}]}\n");
    }

    private static String withOwned(String save, String... owned) {
        String anchor = "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN\n";
        return save.replace(anchor, anchor + String.join("\n", owned) + "\n");
    }

    @Test
    void poststartWorkerOpensTheContainersPortsAndRecordsThem() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        Run r = run(h, "", hookArgs("hook", "poststart", "--worker", WEB));
        assertEquals(0, r.code(), r.err());
        assertTrue(h.v4.contains(WEB_RULE), h.v4);
        assertFalse(h.v4.contains("cnifix: multi"), "only the started container's ports");
        JsonObject rec = JsonParser.parseString(Files.readString(tmp.resolve("state").resolve(WEB + ".json"))).getAsJsonObject();
        assertEquals("web", rec.get("name").getAsString());
        JsonObject m = rec.getAsJsonArray("mappings").get(0).getAsJsonObject();
        assertEquals("10.88.0.2", m.get("containerIp").getAsString());
        assertEquals(8080, m.get("hostPort").getAsInt());
        assertTrue(log().contains("poststart web (2498067b1f6a): opened tcp/8080 -> 10.88.0.2:80 (CNI-FORWARD)"), log());
        assertEquals("", r.out(), "quiet: nothing on standard output");

        Run again = run(h, "", hookArgs("hook", "poststart", "--worker", WEB));
        assertEquals(0, again.code());
        assertEquals(1, h.restores.size(), "a second start of the same container changes nothing");
    }

    /** The hand-over the hook wrapper (scripts/hooks/cnifix-oci-hook) writes, as it writes it. */
    private Path spooled(String stage, long pid, long start, String state) throws Exception {
        Path dir = tmp.resolve("spool");
        Files.createDirectories(dir);
        Path f = dir.resolve("00000000012345.777." + stage + ".json");
        Files.writeString(f, "cnifix-hook-v1 " + stage + " " + pid + " " + start + "\n" + state + "\n");
        return f;
    }

    @Test
    void aSpooledPoststartIsWorkedOnInThisProcessWithTheWrappersPidAndStartTime() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        proc(4242, 777);
        Path f = spooled("poststart", 4242, 777, "{\"ociVersion\":\"1.0.2\",\"id\":\"" + WEB + "\",\"status\":\"running\",\"pid\":4242}");
        Run r = run(h, "", hookArgs("hook", "poststart", "--spooled", f.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(h.v4.contains(WEB_RULE), h.v4);
        assertFalse(Files.exists(f), "the hand-over is deleted");
        assertFalse(Files.exists(tmp.resolve("state").resolve("worker.log")), "no further worker was started");
        JsonObject rec = JsonParser.parseString(Files.readString(tmp.resolve("state").resolve(WEB + ".json"))).getAsJsonObject();
        assertEquals(4242, rec.get("pid").getAsLong());
        assertEquals(777, rec.get("startTime").getAsLong(), "the start time the wrapper read while the container ran");
    }

    @Test
    void aSpooledPoststartOfAContainerThatIsGoneAppliesNothing() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        proc(4242, 999); // the PID now belongs to another process
        Path f = spooled("poststart", 4242, 777, "{\"id\":\"" + WEB + "\",\"pid\":4242}");
        assertEquals(0, run(h, "", hookArgs("hook", "poststart", "--spooled", f.toString())).code());
        assertTrue(h.restores.isEmpty(), h.v4);
        assertTrue(log().contains("stopped before its ports were opened"), log());
    }

    @Test
    void aSpooledPoststopRemovesTheRule() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE);
        record(WEB, "web", "10.88.0.2", "tcp", 8080, 80);
        Path f = spooled("poststop", 0, 0, "{\"id\":\"" + WEB + "\",\"status\":\"stopped\"}");
        assertEquals(0, run(h, "", hookArgs("hook", "poststop", "--spooled", f.toString())).code());
        assertFalse(h.v4.contains(WEB_RULE), h.v4);
        assertFalse(Files.exists(f));
    }

    @Test
    void aBadHandOverIsLoggedDeletedAndTheHookExitsZero() throws Exception {
        FakeHost h = liveHost();
        Path dir = tmp.resolve("spool");
        Files.createDirectories(dir);
        Path noHeader = dir.resolve("1.1.poststart.json");
        Files.writeString(noHeader, "{\"id\":\"" + WEB + "\"}\n");
        assertEquals(0, run(h, "", hookArgs("hook", "poststart", "--spooled", noHeader.toString())).code());
        assertTrue(log().contains("no cnifix-hook-v1 header"), log());
        assertFalse(Files.exists(noHeader));
        Path fifo = dir.resolve("2.2.poststart.json");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertEquals(0, run(h, "", hookArgs("hook", "poststart", "--spooled", fifo.toString())).code()));
        assertTrue(log().contains("not a regular file"), log());
        Path other = spooled("poststop", 0, 0, "{\"id\":\"" + WEB + "\"}");
        assertEquals(0, run(h, "", hookArgs("hook", "poststart", "--spooled", other.toString())).code());
        assertTrue(log().contains("is for poststop, not poststart"), log());
        assertTrue(h.restores.isEmpty());
    }

    @Test
    void poststopRemovesOnlyThatContainersRules() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE, MULTI_RULE);
        record(WEB, "web", "10.88.0.2", "tcp", 8080, 80);
        record(MULTI, "multi", "10.88.0.3", "tcp", 8081, 81);
        Run r = run(h, "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"" + WEB + "\",\"status\":\"stopped\"}", hookArgs("hook", "poststop"));
        assertEquals(0, r.code(), r.err());
        assertFalse(h.v4.contains(WEB_RULE), h.v4);
        assertTrue(h.v4.contains(MULTI_RULE), "another container's rule stays");
        assertFalse(Files.exists(tmp.resolve("state").resolve(WEB + ".json")), "the record is gone");
        assertTrue(Files.exists(tmp.resolve("state").resolve(MULTI + ".json")));
        assertEquals(0, h.callsOf("podman"), "poststop runs under Podman's lock: it must not ask Podman anything");
        assertTrue(log().contains("poststop web (2498067b1f6a): removed " + WEB_RULE), log());
    }

    @Test
    void poststopKeepsARuleAnotherRecordedContainerNeeds() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE);
        record(WEB, "web", "10.88.0.2", "tcp", 8080, 80);
        record("0123456789ab", "web-again", "10.88.0.2", "tcp", 8080, 80);
        assertEquals(0, run(h, "{\"id\":\"" + WEB + "\"}", hookArgs("hook", "poststop")).code());
        assertTrue(h.v4.contains(WEB_RULE), "the address and port went to a new container already");
    }

    @Test
    void containersWithoutARecordCostNothing() throws Exception {
        FakeHost h = new FakeHost(rules);
        Run r = run(h, "{\"ociVersion\":\"1.0\",\"id\":\"" + WEB + "\",\"status\":\"stopped\"}", hookArgs("hook", "poststop"));
        assertEquals(0, r.code());
        assertTrue(h.calls.isEmpty(), "no command run: " + h.calls);
        assertEquals("", log(), "nothing logged");
    }

    @Test
    void aFailingApplyIsLoggedAndTheHookStillExitsZero() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.failRestore = true;
        Run r = run(h, "", hookArgs("hook", "poststart", "--worker", WEB));
        assertEquals(0, r.code());
        assertEquals(rules, h.v4, "rolled back");
        assertTrue(log().contains("err: poststart web (2498067b1f6a): failed (exit 4)"), log());
    }

    @Test
    void theHookExitsZeroWhateverItIsGiven() throws Exception {
        FakeHost h = new FakeHost(rules);
        assertEquals(0, run(h, "not json", hookArgs("hook", "poststart")).code());
        assertEquals(0, run(h, "{\"id\": \"../../etc/passwd\"}", hookArgs("hook", "poststop")).code());
        assertEquals(0, run(h, "{}", hookArgs("hook", "prestart")).code());
        assertEquals(0, run(h, "{}", hookArgs("hook")).code());
        assertEquals(0, run(h, "{\"id\":\"abc\"}", hookArgs("hook", "poststop", "--no-such-option", "x")).code());
        String log = log();
        assertTrue(log.contains("not the OCI container state"), log);
        assertTrue(log.contains("is not a container id"), log);
        assertTrue(log.contains("stage 'prestart' ignored"), log);
        assertTrue(log.contains("ignoring unknown arguments [--no-such-option, x]"), log);
        assertTrue(h.calls.isEmpty(), "nothing was run: " + h.calls);
    }

    @Test
    void poststartLeavesHostNetworkContainersAlone() throws Exception {
        assumeTrue(Root.isRoot(), "rootless hooks return before looking");
        FakeHost h = new FakeHost(rules, "setsid");
        String state = "{\"id\":\"" + WEB + "\",\"pid\":" + ProcessHandle.current().pid() + ",\"status\":\"running\"}";
        assertEquals(0, run(h, state, hookArgs("hook", "poststart", "--verbose")).code());
        assertTrue(log().contains("uses the host's network"), log());
        assertTrue(h.calls.isEmpty());
        assertFalse(Files.exists(tmp.resolve("state").resolve("worker.log")), "no worker was started");
    }

    /** A fake /proc/PID/stat whose field 22 (start time) is {@code start}; comm has a space and a ')' on purpose. */
    private void proc(long pid, long start) throws Exception {
        Path d = tmp.resolve("proc").resolve(Long.toString(pid));
        Files.createDirectories(d);
        StringBuilder b = new StringBuilder(pid + " (conmon (x)) S");
        for (int f = 4; f <= 21; f++) {
            b.append(" ").append(f);
        }
        b.append(" ").append(start).append(" 23 24\n");
        Files.writeString(d.resolve("stat"), b.toString());
    }

    private void recordWithPid(String id, String name, String ip, int hostPort, int ctrPort, long pid, long start) throws Exception {
        Files.createDirectories(tmp.resolve("state"));
        Files.writeString(tmp.resolve("state").resolve(id + ".json"), "{\"id\":\"" + id + "\",\"name\":\"" + name
                + "\",\"pid\":" + pid + ",\"startTime\":" + start + ",\"mappings\":[{\"protocol\":\"tcp\",\"hostPort\":" + hostPort
                + ",\"containerIp\":\"" + ip + "\",\"containerPort\":" + ctrPort + "}]}\n");
    }

    @Test
    void aStaleRecordDoesNotKeepANewContainersRuleAndIsDeleted() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE);
        proc(4242, 777);
        proc(5151, 999); // PID 5151 was reused: another process, another start time
        recordWithPid(WEB, "web", "10.88.0.2", 8080, 80, 4242, 777);
        recordWithPid("0123456789ab", "gone", "10.88.0.2", 8080, 80, 5151, 111);
        recordWithPid("0123456789cd", "gone-too", "10.88.0.2", 8080, 80, 6161, 111); // no such PID
        assertEquals(0, run(h, "{\"id\":\"" + WEB + "\"}", hookArgs("hook", "poststop")).code());
        assertFalse(h.v4.contains(WEB_RULE), "stale records must not keep the rule: " + h.v4);
        assertFalse(Files.exists(tmp.resolve("state").resolve("0123456789ab.json")), "the stale record is deleted");
        assertFalse(Files.exists(tmp.resolve("state").resolve("0123456789cd.json")));
        assertTrue(log().contains("deleting the stale record") && log().contains("of gone: its process 5151"), log());
        assertTrue(log().contains("of gone-too: its process 6161"), log());
    }

    @Test
    void aLiveRecordWithPidStillKeepsTheRule() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE);
        proc(5151, 999);
        record(WEB, "web", "10.88.0.2", "tcp", 8080, 80);
        recordWithPid("0123456789ab", "web-again", "10.88.0.2", 8080, 80, 5151, 999);
        assertEquals(0, run(h, "{\"id\":\"" + WEB + "\"}", hookArgs("hook", "poststop")).code());
        assertTrue(h.v4.contains(WEB_RULE), h.v4);
        assertTrue(Files.exists(tmp.resolve("state").resolve("0123456789ab.json")));
    }

    @Test
    void theWorkerAppliesNothingWhenPoststopRanDuringInspect() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        // poststart saw PID 4242 started at 777; by the time inspect returns the container stopped and poststop
        // ran (no record yet: nothing removed). No /proc/4242 now.
        assertEquals(0, run(h, "{\"id\":\"" + WEB + "\"}", hookArgs("hook", "poststop")).code());
        Run r = run(h, "", hookArgs("hook", "poststart", "--worker", WEB, "--pid", "4242", "--pid-start", "777"));
        assertEquals(0, r.code(), r.err());
        assertFalse(h.v4.contains(WEB_RULE), h.v4);
        assertTrue(h.restores.isEmpty());
        assertFalse(Files.exists(tmp.resolve("state").resolve(WEB + ".json")), "no record left behind");
        assertTrue(log().contains("stopped before its ports were opened"), log());
    }

    @Test
    void theWorkerUndoesWhenTheContainerStopsWhileItApplies() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        proc(4242, 777);
        h.afterRestore = () -> {
            try { // the container exits (and a poststop that found nothing to remove ran) during the apply
                Files.delete(tmp.resolve("proc").resolve("4242").resolve("stat"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            h.afterRestore = () -> { };
        };
        Run r = run(h, "", hookArgs("hook", "poststart", "--worker", WEB, "--pid", "4242", "--pid-start", "777"));
        assertEquals(0, r.code(), r.err());
        assertFalse(h.v4.contains(WEB_RULE), "undone: " + h.v4);
        assertEquals(2, h.restores.size(), "opened, then removed");
        assertFalse(Files.exists(tmp.resolve("state").resolve(WEB + ".json")), "record removed");
        assertTrue(log().contains("stopped while its ports were opened") && log().contains("poststart undo web"), log());
    }

    @Test
    void poststopIgnoresFifosAndSymlinksInTheStateDir() throws Exception {
        assumeTrue(Root.isRoot(), "the apply path needs root");
        FakeHost h = liveHost();
        h.v4 = withOwned(rules, WEB_RULE);
        Path state = tmp.resolve("state");
        record(WEB, "web", "10.88.0.2", "tcp", 8080, 80);
        Files.createSymbolicLink(state.resolve("zero.json"), Path.of("/dev/zero"));
        boolean fifo;
        try {
            fifo = new ProcessBuilder("mkfifo", state.resolve("fifo.json").toString()).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            fifo = false;
        }
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertEquals(0, run(h, "{\"id\":\"" + WEB + "\"}", hookArgs("hook", "poststop")).code()));
        assertFalse(h.v4.contains(WEB_RULE), h.v4);
        assertTrue(log().contains("skipping unreadable record " + state.resolve("zero.json")) && log().contains("not a regular file"), log());
        if (fifo) {
            assertTrue(log().contains("skipping unreadable record " + state.resolve("fifo.json")), log());
        }
        // The container's own record as a FIFO or a link is refused too, not opened.
        Files.createSymbolicLink(state.resolve("0123456789ab.json"), Path.of("/dev/zero"));
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertEquals(0, run(h, "{\"id\":\"0123456789ab\"}", hookArgs("hook", "poststop")).code()));
        assertTrue(log().contains("poststop 0123456789ab: cannot read the record"), log());
    }

    // ------------------------------------------------------------------ reconcile

    private String[] reconcileArgs(String... more) {
        List<String> a = new ArrayList<>(List.of("reconcile", "--format", "json", "--backup-dir", tmp.resolve("backups").toString(),
                "--lock-file", tmp.resolve("lock").toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void reconcileAddsWhatPortsNeedRemovesWhatNothingNeedsAndIsIdempotent() throws Exception {
        assumeTrue(Root.isRoot(), "reconcile needs root");
        String stale = "-A CNI-FORWARD -d 10.88.0.99/32 ! -i cni-podman0 -o cni-podman0 -p tcp -m tcp --dport 80 -m conntrack"
                + " --ctstate DNAT --ctorigdstport 9999 -m comment --comment \"cnifix: gone tcp/9999\" -j ACCEPT";
        FakeHost h = new FakeHost(withOwned(rules, stale), "iptables-save", "iptables-restore");
        String[] args = reconcileArgs("--ports", FIXTURE.resolve("ports/podman-inspect.json").toString(),
                "--addresses", FIXTURE.resolve("ip-address.json").toString(), "--routes", FIXTURE.resolve("ip-route.json").toString());
        Run first = run(h, "", args);
        assertEquals(0, first.code(), first.err());
        JsonObject j = JsonParser.parseString(first.out()).getAsJsonObject();
        assertTrue(j.get("applied").getAsBoolean());
        assertEquals(3, j.getAsJsonArray("rules").size(), first.out());
        assertEquals(1, j.getAsJsonArray("removals").size(), first.out());
        assertTrue(h.v4.contains(WEB_RULE) && !h.v4.contains("cnifix: gone"), h.v4);

        Run second = run(h, "", args);
        assertEquals(0, second.code(), second.err());
        JsonObject k = JsonParser.parseString(second.out()).getAsJsonObject();
        assertFalse(k.get("applied").getAsBoolean());
        assertEquals(0, k.getAsJsonArray("rules").size());
        assertEquals(0, k.getAsJsonArray("removals").size());
        assertEquals(1, h.restores.size(), "the second pass changed nothing");
    }

    @Test
    void reconcileRefusesToPruneWithoutAnyContainerSource() throws Exception {
        assumeTrue(Root.isRoot(), "reconcile needs root");
        FakeHost h = new FakeHost(withOwned(rules, WEB_RULE), "iptables-save", "iptables-restore", "ip");
        h.outputs.put("ip -j address", Files.readString(FIXTURE.resolve("ip-address.json")));
        h.outputs.put("ip -j route", Files.readString(FIXTURE.resolve("ip-route.json")));
        h.outputs.put("ip -6 -j route", "[]");
        Run r = run(h, "", reconcileArgs());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("refusing to prune"), r.err());
        assertTrue(h.restores.isEmpty());
    }

    @Test
    void reconcileWithPersistWritesTheBootFile() throws Exception {
        assumeTrue(Root.isRoot(), "reconcile needs root");
        Path boot = tmp.resolve("iptables");
        String admin = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";
        Files.writeString(boot, admin);
        FakeHost h = new FakeHost(rules, "iptables-save", "iptables-restore");
        String[] args = reconcileArgs("--ports", FIXTURE.resolve("ports/podman-inspect.json").toString(),
                "--addresses", FIXTURE.resolve("ip-address.json").toString(), "--persist", "--persist-file", boot.toString(),
                "--persist-file6", tmp.resolve("no-ip6tables").toString());
        Run r = run(h, "", args);
        assertEquals(0, r.code(), r.err());
        String written = Files.readString(boot);
        assertTrue(written.contains(":CNI-FORWARD - [0:0]\n" + WEB_RULE), written);
        assertTrue(written.startsWith("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\n"), written);
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(boot.toString(), j.getAsJsonArray("persisted").get(0).getAsString());
        Run again = run(h, "", args);
        assertEquals(0, again.code());
        assertEquals(0, JsonParser.parseString(again.out()).getAsJsonObject().getAsJsonArray("persisted").size());
        assertEquals(written, Files.readString(boot));
    }

    @Test
    void persistNeedsApplyAndAnExistingFile() throws Exception {
        FakeHost h = new FakeHost(rules, "iptables-save");
        Run r = run(h, "", "suggest", "--snapshot", FIXTURE.toString(), "--persist");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--persist needs --apply"), r.err());
        assumeTrue(Root.isRoot(), "the apply path needs root");
        Run missing = run(h, "", reconcileArgs("--ports", FIXTURE.resolve("ports/podman-inspect.json").toString(),
                "--persist", "--persist-file", tmp.resolve("none").toString()));
        assertEquals(3, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        assertTrue(h.restores.isEmpty(), "nothing changed before the check");
    }
}
