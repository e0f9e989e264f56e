package io.cnifix.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The text every command prints for every fixture, pinned in src/test/resources/golden/FIXTURE/COMMAND.txt
 * (standard output, standard error and the exit code, as a user sees them with output to a pipe). A change of
 * wording shows up here; after reviewing it, regenerate with -Dgolden.update=true and commit the files.
 */
class GoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @TestFactory
    List<DynamicTest> everyCommandOnEveryFixture() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String fixture : JsonSchemaTest.fixtures().toList()) {
            String name = Path.of(fixture).getFileName().toString();
            for (Case c : cases(fixture)) {
                tests.add(DynamicTest.dynamicTest(name + "/" + c.file(), () -> check(GOLDEN.resolve(name).resolve(c.file() + ".txt"), c.args())));
            }
        }
        return tests;
    }

    record Case(String file, String... args) {
    }

    private static List<Case> cases(String fixture) {
        List<Case> out = new ArrayList<>(List.of(
                new Case("show", "show", "--snapshot", fixture),
                new Case("diff", "diff", "--snapshot", fixture),
                new Case("diff-classic", "diff", "--snapshot", fixture, "--docker-model", "classic"),
                new Case("diff-quiet", "diff", "--snapshot", fixture, "--quiet"),
                new Case("suggest", "suggest", "--snapshot", fixture),
                new Case("suggest-restore", "suggest", "--snapshot", fixture, "--format", "restore"),
                new Case("prune", "prune", "--snapshot", fixture),
                new Case("reconcile-dry-run", "reconcile", "--dry-run", "--snapshot", fixture)));
        if (java.nio.file.Files.isDirectory(Path.of(fixture, "firewalld"))) {
            out.add(new Case("suggest-firewall-cmd", "suggest", "--snapshot", fixture, "--format", "firewall-cmd"));
        }
        JsonObject diff = JsonParser.parseString(CliTest.run("diff", "--snapshot", fixture, "--format", "json").out()).getAsJsonObject();
        for (var p : diff.getAsJsonArray("ports")) {
            JsonObject port = p.getAsJsonObject();
            String target = port.get("container").getAsString() + ":" + port.get("hostPort").getAsInt() + "/" + port.get("protocol").getAsString();
            out.add(new Case("trace-" + target.replace(':', '-').replace('/', '-'), "trace", target, "--snapshot", fixture));
        }
        return out;
    }

    private static void check(Path golden, String... args) throws IOException {
        CliTest.Run r = CliTest.run(args);
        String actual = "$ cnifix " + String.join(" ", args) + "\n" + r.out()
                + (r.err().isEmpty() ? "" : "--- standard error\n" + r.err()) + "--- exit " + r.code() + "\n";
        if (UPDATE) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.exists(golden)) {
            fail(golden + " is missing: run with -Dgolden.update=true, review and commit it");
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, golden.toString());
    }
}
