package io.cnifix.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every JSON document cnifix prints for every fixture validates against its schema in docs/schema/. */
class JsonSchemaTest {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("fixtures"))) {
            return s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).map(Path::toString).sorted().toList().stream();
        }
    }

    static void assertValid(String schema, String json) throws IOException {
        Schema s = REGISTRY.getSchema(Files.readString(Path.of("docs/schema", schema)), InputFormat.JSON);
        List<Error> errors = s.validate(json, InputFormat.JSON);
        assertTrue(errors.isEmpty(), schema + ": " + errors + "\n" + json);
        assertEquals(Json.SCHEMA_VERSION, JsonParser.parseString(json).getAsJsonObject().get("schemaVersion").getAsInt());
    }

    private static String json(String... args) {
        CliTest.Run r = CliTest.run(args);
        assertTrue(r.code() == 0 || r.code() == 1 || r.code() == 5, r.code() + " " + r.err());
        return r.out();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void diffShowSuggestPrune(String fixture) throws IOException {
        assertValid("diff.json", json("diff", "--snapshot", fixture, "--format", "json"));
        assertValid("diff.json", json("diff", "--snapshot", fixture, "--format", "json", "--docker-model", "classic"));
        assertValid("show.json", json("show", "--snapshot", fixture, "--format", "json"));
        assertValid("suggest.json", json("suggest", "--snapshot", fixture, "--format", "json"));
        assertValid("suggest.json", json("prune", "--snapshot", fixture, "--format", "json"));
    }

    /** A trace of each published port's first packet, forwarded from an outside source. */
    @ParameterizedTest
    @MethodSource("fixtures")
    void trace(String fixture) throws IOException {
        JsonObject diff = JsonParser.parseString(json("diff", "--snapshot", fixture, "--format", "json")).getAsJsonObject();
        int traced = 0;
        for (var p : diff.getAsJsonArray("ports")) {
            JsonObject port = p.getAsJsonObject();
            if (port.get("containerIp").isJsonNull() || !port.get("containerIp").getAsString().contains(".")) {
                continue;
            }
            assertValid("trace.json", json("trace", "--snapshot", fixture, "--in", "eth0", "--src", "203.0.113.9",
                    "--dst", port.get("containerIp").getAsString(), "--proto", port.get("protocol").getAsString(),
                    "--dport", port.get("containerPort").getAsString(), "--format", "json"));
            traced++;
        }
        assertTrue(traced > 0 || diff.getAsJsonArray("ports").isEmpty(), fixture);
    }

    /** The schemas do reject what the contract forbids: the old string "matched", a missing key, no version. */
    @org.junit.jupiter.api.Test
    void theSchemasRejectWhatTheContractForbids() throws IOException {
        String trace = json("trace", "--snapshot", "fixtures/podman4-cni", "--in", "eth0", "--src", "203.0.113.9",
                "--dst", "10.88.0.2", "--proto", "tcp", "--dport", "80", "--format", "json");
        Schema s = REGISTRY.getSchema(Files.readString(Path.of("docs/schema/trace.json")), InputFormat.JSON);
        assertTrue(s.validate(trace, InputFormat.JSON).isEmpty());
        assertTrue(trace.contains("\"matched\": true") || trace.contains("\"matched\": false"), trace);
        assertEquals(false, s.validate(trace.replaceFirst("\"matched\": (true|false)", "\"matched\": \"yes\""), InputFormat.JSON).isEmpty());
        assertEquals(false, s.validate(trace.replace("\"schemaVersion\": 1,", ""), InputFormat.JSON).isEmpty());
        assertEquals(false, s.validate(trace.replace("\"outInterface\"", "\"outIface\""), InputFormat.JSON).isEmpty());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void snapshotManifest(String fixture, @TempDir Path out) throws IOException {
        Path dir = out.resolve("snap");
        CliTest.Run r = CliTest.run("snapshot", "--snapshot", fixture, dir.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertValid("snapshot-manifest.json", Files.readString(dir.resolve("manifest.json")));
    }
}
