package io.cnifix.system;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.model.HostState;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Planner;
import io.cnifix.remedy.Proof;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver's calls, checks and undo against a stand-in firewall-cmd (a real process keeping firewalld's direct
 * rules in files, with firewall-cmd's exact-args matching and its exit-0 warnings), so they run on every build; the
 * real firewalld is scripts/e2e-firewalld.sh.
 */
class FirewalldDriverProcessTest {
    private static final String FAKE = """
            #!/usr/bin/env python3
            import json, os, shlex, sys
            D = os.path.dirname(os.path.abspath(__file__))
            args = sys.argv[1:]
            open(os.path.join(D, "calls"), "a").write(" ".join(args) + "\\n")
            perm = "--permanent" in args
            if perm:
                args.remove("--permanent")
            f = os.path.join(D, "permanent.json" if perm else "runtime.json")
            rules = json.load(open(f)) if os.path.exists(f) else []
            if args == ["--direct", "--get-all-rules"]:
                for r in rules:
                    print(" ".join(shlex.quote(w) for w in r))
                sys.exit(0)
            op, rule = args[1], args[2:]
            if op == "--add-rule":
                n = int(open(os.path.join(D, "adds")).read()) + 1 if os.path.exists(os.path.join(D, "adds")) else 1
                open(os.path.join(D, "adds"), "w").write(str(n))
                fail = os.path.join(D, "fail-add")
                if os.path.exists(fail) and n >= int(open(fail).read()):
                    print("Error: injected failure", file=sys.stderr)
                    sys.exit(99)
                if any(r[:3] == rule[:3] and r[4:] == rule[4:] for r in rules):
                    print("Warning: ALREADY_ENABLED", file=sys.stderr)
                else:
                    rules.append(rule)
            elif op == "--remove-rule":
                if rule in rules:
                    rules.remove(rule)
                else:
                    print("Warning: NOT_ENABLED", file=sys.stderr)
            json.dump(rules, open(f, "w"))
            if os.path.exists(os.path.join(D, "lie")) and op in ("--add-rule", "--remove-rule"):
                print("Error: made to fail after the change", file=sys.stderr)
                sys.exit(1)
            print("success")
            """;

    @TempDir
    Path dir;
    private FirewalldDriver driver;
    private HostState host;
    private Plan plan;

    @BeforeEach
    void setUp() throws IOException {
        Path fake = dir.resolve("firewall-cmd");
        Files.writeString(fake, FAKE.stripIndent());
        assertTrue(fake.toFile().setExecutable(true));
        Map<String, String> env = Map.of("CNIFIX_FIREWALL_CMD", fake.toString());
        ProcessRunner runner = new ProcessRunner();
        driver = new FirewalldDriver(runner, new Firewall(runner, Duration.ofSeconds(5), env), env);
        host = Fixtures.host("firewalld-drop-netavark");
        plan = new Planner(host, DockerModel.CURRENT, Set.of(), null).plan(true, false);
        assertEquals(3, plan.additions().size());
    }

    private List<FirewalldDriver.Direct> rules(boolean permanent) {
        return driver.rules(permanent);
    }

    @Test
    void appliesRuntimeAndPermanentAndReadsThemBack() {
        assertTrue(driver.touches(plan));
        ProcessRunner.Result r = driver.apply(plan);
        assertTrue(r.ok(), r.describe());
        assertEquals(3, rules(false).size());
        assertEquals(3, rules(true).size());
        assertTrue(rules(false).stream().allMatch(d -> d.chain().equals("FORWARD") && d.priority() == 100));
        HostState after = Proof.applied(host, plan.additions(), plan.removals());
        assertEquals(List.of(), driver.notInEffect(plan, after));
        assertTrue(driver.save(null).contains("cnifix: web tcp/8080"), "the backup holds both configurations");
    }

    @Test
    void aSecondApplyMakesNoCall() throws IOException {
        assertTrue(driver.apply(plan).ok());
        Files.delete(dir.resolve("calls"));
        assertTrue(driver.apply(plan).ok());
        assertFalse(Files.readString(dir.resolve("calls")).contains("--add-rule"), "nothing added twice");
    }

    @Test
    void aFailureHalfwayUndoesTheCallsMadeAndLeavesBothConfigurationsAsTheyWere() throws IOException {
        Files.writeString(dir.resolve("fail-add"), "4"); // the three runtime adds pass, the first permanent one fails
        ProcessRunner.Result r = driver.apply(plan);
        assertFalse(r.ok());
        assertTrue(r.describe().contains("injected failure") && r.describe().contains("were undone"), r.describe());
        assertEquals(List.of(), rules(false));
        assertEquals(List.of(), rules(true));
        assertNull(driver.undo(plan), "the failed apply undid itself: nothing left to undo");
        assertEquals(List.of(), driver.left(plan));
    }

    @Test
    void aCallThatMadeItsChangeAndStillFailedIsUndoneToo() throws IOException {
        Files.writeString(dir.resolve("lie"), ""); // every change is made, then reported as failed (undo calls too)
        assertFalse(driver.apply(plan).ok());
        assertEquals(List.of(), rules(false), "the first add took effect although it failed: undone");
        assertEquals(List.of(), rules(true));
        driver.undo(plan);
        assertEquals(List.of(), driver.left(plan), "judged from the state, not from the exit codes");
    }

    @Test
    void undoRemovesWhatTheApplyAddedAndKeepsWhatWasThereBefore() throws IOException {
        // the admin (or an earlier run) has web's rule in the permanent configuration already
        String web = plan.additions().stream().filter(p -> p.fixes().hostPort() == 8080).findFirst().orElseThrow().spec();
        List<String> words = new java.util.ArrayList<>(List.of("ipv4", "filter", "FORWARD", "100"));
        words.addAll(io.cnifix.ingest.RuleTokens.words(web));
        Files.writeString(dir.resolve("permanent.json"), new com.google.gson.Gson().toJson(List.of(words)));
        assertTrue(driver.apply(plan).ok());
        assertEquals(3, rules(true).size());
        ProcessRunner.Result u = driver.undo(plan);
        assertTrue(u != null && u.ok(), u == null ? "null" : u.describe());
        assertEquals(List.of(), rules(false));
        assertEquals(1, rules(true).size(), "the rule that was there before the apply stays");
        assertEquals(List.of(), driver.left(plan));
    }
}
