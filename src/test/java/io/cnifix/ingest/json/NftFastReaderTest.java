package io.cnifix.ingest.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.model.nft.NftTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The in-place scan of nft's JSON must make exactly what the tree reader makes, item for item: on every real dump,
 * on a netavark host's 40,000 rules, on shapes it leaves to the tree, and on thousands of randomly bent dumps
 * (where the whole read must also fail with the tree reader's message when the tree reader fails).
 */
public class NftFastReaderTest {

    private static List<Path> fixtures() throws Exception {
        List<Path> dumps = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("fixtures"))) {
            s.filter(p -> p.getFileName().toString().equals("nft-ruleset.json")).sorted().forEach(dumps::add);
        }
        assertTrue(dumps.size() >= 10, "fixtures with nft dumps: " + dumps);
        return dumps;
    }

    @Test
    void everyFixtureScansToTheTreeReadersTables() throws Exception {
        for (Path p : fixtures()) {
            String text = Files.readString(p);
            List<NftTable> fast = NftFastReader.read(text, p.toString());
            assertNotNull(fast, p.toString());
            assertEquals(NftReader.readTree(new InputText(p.toString(), text)), fast, p.toString());
        }
    }

    @Test
    void aNetavarkHostWithThousandsOfPortsScansToTheSameTables() throws Exception {
        String text = netavarkDump(Files.readString(Path.of("fixtures", "netavark-nft-drop", "nft-ruleset.json")), 1500);
        List<NftTable> fast = NftFastReader.read(text, "n");
        assertNotNull(fast);
        assertEquals(NftReader.readTree(new InputText("n", text)), fast);
        assertTrue(fast.stream().mapToInt(t -> t.chains().stream().mapToInt(c -> c.rules().size()).sum()).sum() > 4 * 1500);
    }

    /**
     * A real dump with {@code ports} more published ports in netavark's shape: per port a HOSTPORT-DNAT rule and, in
     * the network's DNAT chain, two SETMARK rules and the DNAT.
     */
    public static String netavarkDump(String dump, int ports) {
        StringBuilder more = new StringBuilder();
        String dport = "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": %d}}";
        String saddr = "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": %s}}";
        String rule = ", {\"rule\": {\"family\": \"inet\", \"table\": \"netavark\", \"chain\": \"%s\", \"handle\": %d, \"expr\": [%s]}}";
        more.append(", {\"chain\": {\"family\": \"inet\", \"table\": \"netavark\", \"name\": \"nv_many_dnat\", \"handle\": 9000}}");
        int handle = 10000;
        for (int i = 0; i < ports; i++) {
            int port = 20000 + i;
            String d = String.format(dport, port);
            more.append(String.format(rule, "NETAVARK-HOSTPORT-DNAT", handle++, d + ", {\"jump\": {\"target\": \"nv_many_dnat\"}}"));
            more.append(String.format(rule, "nv_many_dnat", handle++, String.format(saddr, "{\"prefix\": {\"addr\": \"10.88.0.0\", \"len\": 16}}")
                    + ", " + d + ", {\"jump\": {\"target\": \"NETAVARK-HOSTPORT-SETMARK\"}}"));
            more.append(String.format(rule, "nv_many_dnat", handle++, String.format(saddr, "\"127.0.0.1\"") + ", " + d
                    + ", {\"jump\": {\"target\": \"NETAVARK-HOSTPORT-SETMARK\"}}"));
            more.append(String.format(rule, "nv_many_dnat", handle++, d + ", {\"dnat\": {\"family\": \"ip\", \"addr\": \"10.88."
                    + (i / 250) + "." + (i % 250 + 2) + "\", \"port\": 80}}"));
        }
        int end = dump.lastIndexOf(']');
        return dump.substring(0, end) + more + dump.substring(end);
    }

    @Test
    void everyStatementAndExpressionTheScanTakesReadsTheSame() {
        String json = """
                {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "t", "handle": 1}},
                 {"chain": {"family": "ip", "table": "t", "name": "pre", "type": "nat", "hook": "prerouting", "prio": "dstnat + 10", "policy": "drop"}},
                 {"chain": {"family": "ip", "table": "t", "name": "fwd", "hook": "forward", "prio": -5}},
                 {"chain": {"family": "ip", "table": "t", "name": "plain", "prio": true}},
                 {"rule": {"family": "ip", "table": "t", "chain": "pre", "handle": 12345678901234567, "comment": "c 1", "expr": [
                   {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}},
                   {"match": {"op": "==", "left": {"ct": {"key": "proto-dst", "dir": "original", "family": "ip"}}, "right": {"range": [1024, 65535]}}},
                   {"match": {"op": "!=", "left": {"&": [{"meta": {"key": "mark"}}, 255]}, "right": 0}},
                   {"match": {"op": "==", "left": {"concat": [{"payload": {"protocol": "ip", "field": "saddr"}}, {"payload": {"protocol": "th", "field": "dport"}}]},
                              "right": {"set": [{"concat": ["10.0.0.1", 80]}, {"elem": {"val": {"prefix": {"addr": "10.1.0.0", "len": 16}}, "timeout": 5}}]}}},
                   {"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr", "iif"]}}, "right": "local"}},
                   {"match": {"op": "==", "left": {"fib": {"result": "oif", "flags": "daddr"}}, "right": "@names"}},
                   {"match": {"left": {"meta": {"key": "l4proto"}}, "right": {"set": "tcp"}}},
                   {"match": {"op": ">=", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": -1.5e2}},
                   {"counter": {"packets": 0, "bytes": 0}}, {"log": {"prefix": "x "}}, {"limit": {"rate": 10, "per": "second", "burst": 5}},
                   {"limit": null}, {"notrack": null}, {"set": {"op": "add", "elem": {"payload": {"protocol": "ip", "field": "saddr"}}, "set": "@s"}},
                   {"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"|": [{"meta": {"key": "mark"}}, 8192]}}},
                   {"mangle": {"value": 16, "key": {"ct": {"key": "mark"}}}},
                   {"snat": {"addr": "192.0.2.1", "family": "ip", "flags": ["random", 3, null]}},
                   {"redirect": {"port": 8080}}, {"masquerade": null}, {"masquerade": {"flags": "fully-random"}},
                   {"dnat": {"family": "ip", "addr": {"map": {"key": {"payload": {"protocol": "tcp", "field": "dport"}},
                             "data": {"set": [[80, {"concat": ["10.0.0.2", 8080]}], [443, "10.0.0.3"]]}}}}},
                   {"dnat": {"addr": {"map": {"key": {"payload": {"protocol": "tcp", "field": "dport"}}, "data": "@ports"}}}},
                   {"vmap": {"key": {"meta": {"key": "iifname"}}, "data": {"set": [["lo", {"accept": null}], ["eth0", {"goto": {"target": "fwd"}}],
                             [{"prefix": {"addr": "10.0.0.0", "len": 8}}, {"reject": {"type": "icmpx", "expr": "admin-prohibited"}}], ["x", 5]]}}},
                   {"vmap": {"key": {"meta": {"key": "oifname"}}, "data": "@vm"}},
                   {"reject": {"type": "tcp reset"}}, {"reject": null}, {"queue": {"num": 1}}, {"continue": null}, {"return": null},
                   {"jump": {"target": "fwd"}}, {"goto": {"target": "plain", "x": [1, {"y": null}]}}, {"drop": null}, {"accept": null}]}},
                 {"rule": {"family": "ip", "table": "t", "chain": "fwd", "expr": {"accept": null}}},
                 {"rule": {"family": "ip", "table": "t", "chain": "fwd", "handle": "5", "expr": []}},
                 {"rule": {"family": "ip", "table": "t", "chain": "fwd", "handle": 2.5, "comment": 7}}]}""";
        List<NftTable> fast = NftFastReader.read(json, "t");
        assertNotNull(fast);
        assertEquals(NftReader.readTree(new InputText("t", json)), fast);
        assertEquals(3, fast.get(0).chains().get(1).rules().size());
    }

    @Test
    void shapesLeftToTheTreeReaderReadTheSame() {
        String rule = "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"handle\": 7, \"expr\": [%s]}}";
        List<String> items = List.of(
                "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"eth\\u0030\"}}",
                "{\"match\": {\"op\": \"==\", \"left\": {\"osf\": {\"key\": \"name\"}}, \"right\": \"Linux\"}}",
                "{\"match\": {\"left\": {\"payload\": {\"protocol\": \"tcp\"}}, \"right\": 22}}",
                "{\"match\": {\"left\": {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": \"8\"}}, \"right\": 1}}",
                "{\"match\": {\"left\": {\"meta\": {\"key\": \"mark\"}, \"x\": 1}, \"right\": 1}}",
                "{\"vmap\": {\"key\": {\"meta\": {\"key\": \"iifname\"}}, \"data\": {\"set\": [[\"lo\", {\"accept\": null}], "
                        + "[\"eth0\", {\"jump\": {\"target\": \"in\"}}], [\"a\", {\"drop\": null}, 3]]}}}",
                "{\"dnat\": {\"addr\": \"10.0.0.1\", \"type_flags\": [\"interval\"]}}",
                "{\"mangle\": {\"key\": {\"meta\": {\"key\": \"priority\"}}, \"value\": 1}}",
                "{\"quota\": {\"val\": 1}}", "{}", "7", "null", "{\"accept\": null, \"drop\": null}",
                // repeated members: the tree keeps the last value
                "{\"match\": {\"op\": \"!=\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"op\": \"in\", \"right\": 1, \"right\": [\"new\"]}}",
                "{\"match\": {\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}, \"payload\": {\"protocol\": \"udp\","
                        + " \"field\": \"dport\"}}, \"right\": 1}}",
                "{\"accept\": null}], \"handle\": 9, \"expr\": [{\"drop\": null}",
                "{\"match\": {\"op\": \"!=\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"op\": \"in\", \"right\": 1, \"right\": [\"new\"]}}",
                "{\"match\": {\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}, \"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": 1}}",
                "{\"accept\": null}], \"handle\": 9, \"expr\": [{\"drop\": null}",
                "{\"match\": {\"left\": " + "{\"&\": [".repeat(60) + "1" + ", 2]}".repeat(60) + ", \"right\": 1}}");
        for (String stmt : items) {
            String json = "{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"t\"}}, " + String.format(rule, stmt)
                    + ", {\"set\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"s\", \"type\": \"ipv4_addr\", "
                    + "\"elem\": [\"10.0.0.1\", {\"prefix\": {\"addr\": \"10.1.0.0\", \"len\": 16}}]}}, "
                    + "{\"table\": {\"family\": \"ip\", \"name\": \"odd\"}, \"rule\": {\"chain\": \"x\"}}, \"text\"]}";
            List<NftTable> fast = NftFastReader.read(json, "t");
            assertNotNull(fast, json);
            assertEquals(NftReader.readTree(new InputText("t", json)), fast, json);
        }
    }

    @Test
    void textBeyondLatin1ReadsTheSame() {
        for (String comment : List.of("caf\u00e9", "5 \u20ac?", "??", "\u20ac", "a\u0100b", "x\ud83d\ude00y")) {
            String json = "{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", \"comment\": \"" + comment
                    + "\", \"expr\": [{\"match\": {\"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"" + comment + "\"}}]}},"
                    + " {\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", \"comment\": \"" + comment.replace('\u20ac', '\u0101') + "\"}}]}";
            List<NftTable> tree = NftReader.readTree(new InputText("t", json));
            assertEquals(tree, NftReader.read(new InputText("t", json)), comment);
            assertEquals(comment, tree.get(0).chain("c").rules().get(0).comment());
            // the same bytes once read as Latin-1 ('?' for both), another text
            assertEquals(comment.replace('\u20ac', '\u0101'), tree.get(0).chain("c").rules().get(1).comment());
            if (comment.codePoints().count() == comment.length()) {
                assertEquals(tree, NftFastReader.read(json, "t"), comment);
            }
        }
    }

    @Test
    void documentsOfAnotherShapeOrBrokenAreLeftToTheOtherReaders() {
        for (String json : List.of("", "[]", "{\"x\": 1, \"nftables\": []}", "{\"nftables\": [], \"x\": 1}",
                "{\"nftables\": [1,]}", "{\"nftables\": [{\"rule\": {\"chain\": 'c'}}]}", "{\"nftables\": [01]}",
                "{\"nftables\": [{\"rule\": {\"comment\": \"a\tb\"}}]}", "{\"nftables\": [TRUE]}", "{\"nftables\": []} x")) {
            assertNull(NftFastReader.read(json, "t"), json);
        }
    }

    /**
     * Fixtures bent at random (values swapped for other values, members added, dropped or repeated, characters
     * deleted or inserted): NftReader.read, which tries the scan first, must agree with the tree reader on each, in
     * the tables or in the error (message and line).
     */
    @Test
    void randomlyBentDumpsReadAsTheTreeReaderReadsThem() throws Exception {
        Random random = new Random(20);
        List<Path> dumps = fixtures();
        int scanned = 0;
        for (int round = 0; round < 2000; round++) {
            Path p = dumps.get(random.nextInt(dumps.size()));
            JsonElement tree = JsonParser.parseString(Files.readString(p));
            String text;
            if (random.nextInt(4) == 0) {
                text = tree.toString();
                int at = random.nextInt(text.length());
                String[] edits = {"", "\"", ",", "}", "]", "1", "-", "\\", " ", "\u0001", "n", "{\"a\":1}", "e"};
                String edit = edits[random.nextInt(edits.length)];
                text = text.substring(0, at) + edit + text.substring(at + (random.nextBoolean() ? 1 : 0));
            } else {
                for (int k = 0; k < 1 + random.nextInt(3); k++) {
                    bend(tree, random);
                }
                text = tree.toString();
            }
            InputText in = new InputText("t", text);
            Object expected;
            try {
                expected = NftReader.readTree(in);
            } catch (InputException e) {
                expected = e.oneLine() + " @" + e.line();
            }
            Object actual;
            try {
                actual = NftReader.read(in);
            } catch (InputException e) {
                actual = e.oneLine() + " @" + e.line();
            }
            assertEquals(expected, actual, text);
            scanned += NftFastReader.read(text, "t") != null ? 1 : 0;
        }
        assertTrue(scanned > 1000, "bent dumps the scan read itself: " + scanned);
    }

    /** Changes one randomly chosen place of the tree. */
    private static void bend(JsonElement root, Random random) {
        List<JsonElement> containers = new ArrayList<>();
        collect(root, containers);
        JsonElement c = containers.get(random.nextInt(containers.size()));
        JsonElement value = randomValue(random);
        if (c instanceof JsonObject o && !o.isEmpty()) {
            List<String> keys = new ArrayList<>(o.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            switch (random.nextInt(4)) {
                case 0 -> o.add(key, value);
                case 1 -> o.remove(key);
                case 2 -> o.add(new String[] {"x", "set", "map", "val", "len", "dir", "flags", "type_flags", "hook"}[random.nextInt(9)], value);
                default -> {
                    // the member first again after the others (the tree keeps one copy, its place, the last value)
                    JsonElement was = o.remove(key);
                    o.add(key, random.nextBoolean() ? was : value);
                }
            }
        } else if (c instanceof JsonArray a && !a.isEmpty()) {
            int i = random.nextInt(a.size());
            switch (random.nextInt(3)) {
                case 0 -> a.set(i, value);
                case 1 -> a.remove(i);
                default -> a.add(value);
            }
        }
    }

    private static void collect(JsonElement e, List<JsonElement> out) {
        if (e.isJsonObject()) {
            out.add(e);
            e.getAsJsonObject().entrySet().forEach(x -> collect(x.getValue(), out));
        } else if (e.isJsonArray()) {
            out.add(e);
            e.getAsJsonArray().forEach(x -> collect(x, out));
        }
    }

    private static JsonElement randomValue(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> JsonNull.INSTANCE;
            case 1 -> new JsonPrimitive(random.nextInt(70000) - 100);
            case 2 -> new JsonPrimitive(random.nextBoolean());
            case 3 -> new JsonPrimitive("@s");
            case 4 -> new JsonPrimitive(1.5);
            case 5 -> new JsonPrimitive("filter + 10");
            case 6 -> new JsonPrimitive("a\"b\\c\n");
            case 7 -> new JsonPrimitive(4294967296L);
            case 8 -> JsonParser.parseString("[\"established\", \"related\"]");
            case 9 -> JsonParser.parseString("{\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}");
            case 10 -> JsonParser.parseString("{\"set\": [[1, {\"accept\": null}], [2, \"x\"]]}");
            default -> JsonParser.parseString("{\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}");
        };
    }
}
