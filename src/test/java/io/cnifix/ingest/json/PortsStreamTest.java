package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming fast path reads a document exactly as the tree reader does, or leaves it to it: checked on every
 * ports document in the fixtures and on thousands of their mutants (values swapped for other kinds, keys renamed
 * or repeated, characters dropped or added), each read both ways.
 */
class PortsStreamTest {
    /** Values and keys a mutant gets in place of one of its tokens: each kind, each edge, each key the readers know. */
    private static final List<String> SWAPS = List.of("null", "0", "1", "-1", "65535", "65536", "\"65536\"", "\"\"",
            "\"8080\"", "8080", "\"08080\"", "\"tcp,udp\"", "\"TCP\"", "\" udp , tcp,\"", "\"sctp\"", "\"icmp\"",
            "\"80/udp\"", "\"80/icmp\"", "\"80/TCP\"", "\"/tcp\"", "\"80\"", "\"x/tcp\"", "\"99999/tcp\"", "\"::\"", "\"0.0.0.0\"", "\"127.0.0.1\"", "\"::1\"",
            "\"fd00::5\"", "\"10.88.0.9\"", "\"garbage\"", "\":::\"", "true", "false", "[]", "{}", "[\"\"]",
            "[\"a\",\"b\"]", "[1]", "[null]", "{\"a\":\"b\"}", "{\"a\":null}", "{\"a\":1,\"b\":true}", "1.5", "1e3",
            "\"/x\"", "\"slirp4netns\"", "\"pasta:x\"", "\"bridge\"", "[{\"HostIp\":\"\",\"HostPort\":\"1\"}]",
            "[{\"HostIp\":\"::\",\"HostPort\":\"65535\"},{\"HostPort\":\"\"}]", "\"-5\"", "\"12345678901234567890\"",
            "\"Id\"", "\"Name\"", "\"Names\"", "\"Networks\"", "\"Image\"", "\"ImageName\"", "\"Labels\"", "\"Ports\"",
            "\"NetworkSettings\"", "\"HostConfig\"", "\"NetworkMode\"", "\"Config\"", "\"OCIRuntime\"",
            "\"ConmonPidFile\"", "\"IPAM\"", "\"plugins\"", "\"IPAddress\"", "\"GlobalIPv6Address\"", "\"GwPriority\"",
            "\"HostIp\"", "\"HostPort\"", "\"host_ip\"", "\"host_port\"", "\"container_port\"", "\"range\"",
            "\"protocol\"", "\"kind\"");
    /** What a port key of an inspect's NetworkSettings.Ports gets instead. */
    private static final List<String> KEY_SWAPS = List.of("\"80/icmp\"", "\"80/TCP\"", "\"80/Udp\"", "\"/tcp\"",
            "\"x/tcp\"", "\"99999/tcp\"", "\"0/tcp\"", "\"65536/udp\"", "\"80\"", "\"-80/tcp\"", "\"80/\"",
            "\"080/sctp\"", "\"65535/sctp\"", "\"8 0/tcp\"", "\"80/tcp/x\"");
    private static final String INSERTS = "{}[],:\"\\ 0a-";
    private static final Pattern TOKEN = Pattern.compile("\"(?:[^\"\\\\]++|\\\\.)*+\"|-?\\d+(?:\\.\\d+)?|true|false|null");
    private static final Pattern READ = Pattern.compile("(\"\\d+(?:/\\w+)?\")\\s*:|\"(?:Id|Name|Names|Networks|Image"
            + "|ImageName|Labels|Ports|NetworkSettings|HostConfig|NetworkMode|Config|OCIRuntime|IPAddress|GlobalIPv6Address"
            + "|GwPriority|HostIp|HostPort|host_ip|host_port|container_port|range|protocol)\"\\s*:\\s*(\"(?:[^\"\\\\]++|\\\\.)*+\""
            + "|-?\\d+|true|false|null|\\[\\]|\\{\\}|\\[[^\\[\\]{}]*\\])");
    private static final Pattern MEMBER = Pattern.compile("\"(?:[^\"\\\\]++|\\\\.)*+\"\\s*:\\s*(?:\"(?:[^\"\\\\]++|\\\\.)*+\"|-?\\d+|true|false|null|\\[\\]|\\{\\})");

    /** Every ports document of the fixtures and of the readers' tests. */
    private static List<InputText> documents() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path root : List.of(Path.of("fixtures"), Path.of("src/test/resources/io/cnifix/ingest/json"))) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().contains("/ports/") && Files.isRegularFile(p))
                        .sorted().forEach(files::add);
            }
        }
        List<InputText> out = new ArrayList<>();
        for (Path p : files) {
            out.add(new InputText(p.toString(), Files.readString(p, StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < EDGES.size(); i++) {
            out.add(new InputText("edge" + i + ".json", EDGES.get(i)));
        }
        return out;
    }

    /** Shapes the fixtures lack: members both kinds of element have, nulls, odd but valid types, Docker's choices. */
    private static final List<String> EDGES = List.of("""
            [{"Id": "1", "Names": [], "Name": "/n", "Image": 7, "Labels": {"a": "1", "b": null, "c": true, "d": 2},
              "Networks": ["a", "b"], "Ports": [{"host_ip": "::", "container_port": "80", "host_port": "8080",
              "range": 0, "protocol": "TCP, udp,tcp"}, {"container_port": 1, "host_port": 65534, "range": 2}]},
             {"Id": "2", "Names": ["x", "y"], "Name": "n2", "Image": null, "Labels": null, "Networks": ["a"],
              "Ports": null},
             {"Id": 3, "Ports": [], "Image": false, "Name": null}]
            """, """
            [{"Id": "abcdef0123456789", "Name": "", "ImageName": null, "OCIConfigPath": null,
              "Config": {"Image": "img", "Labels": {"x": null, "y": "z"}}, "HostConfig": {"NetworkMode": "pasta:-T"},
              "NetworkSettings": {"IPAddress": "10.0.0.2", "GlobalIPv6Address": "fd00::2", "Networks": null,
                "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"},
                  {"HostIp": "bad", "HostPort": ""}], "53/UDP": null, "53": [{"HostPort": "5353"}]}}},
             {"Id": "b", "Name": "/d", "ImageName": 5, "Config": null, "HostConfig": null,
              "NetworkSettings": {"Networks": {"one": {"IPAddress": "10.1.0.2", "GwPriority": 1},
                "two": {"IPAddress": "10.2.0.2", "GlobalIPv6Address": "fd02::2", "GwPriority": "7"},
                "three": null, "four": {"IPAddress": "", "GwPriority": "x"}},
                "Ports": {"443/tcp": [{"HostIp": "127.0.0.1", "HostPort": 8443}, {"HostIp": "::1", "HostPort": "8443"}],
                  "22/sctp": []}}},
             {"Id": "c", "NetworkSettings": null, "Name": "c"},
             {"Id": "d", "ConmonPidFile": 1, "NetworkSettings": {"Networks": {"p": {"IPAddress": "10.88.0.9"},
               "q": {"GlobalIPv6Address": "fd00::9", "GwPriority": "nope"}},
               "Ports": {"8080/tcp": [{"HostIp": "", "HostPort": "18080"}, {"HostIp": "::", "HostPort": "18080"}]}}}]
            """, """
            [{"Id": "e", "Name": "/e", "NetworkSettings": {"IPAddress": "172.17.0.2",
              "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}]}}}]
            """);

    /** The outcome of the tree reader: its document, or its error as the user sees it. */
    private static Object tree(InputText in) {
        try {
            return PortsReader.readTree(in);
        } catch (InputException e) {
            return e.oneLine();
        }
    }

    /** Reads both ways; returns whether the fast path took the document. */
    private static boolean agree(InputText in) {
        return outcome(in) == FAST;
    }

    private static final int FAST = 1;
    private static final int ERROR = 2;

    /** Reads both ways; returns FAST when the fast path took the document, ERROR when it is bad input, else 0. */
    private static int outcome(InputText in) {
        Object tree = tree(in);
        PortsReader.PortsDocument fast = PortsStream.read(in.name(), in.content());
        if (fast != null) {
            assertEquals(tree, fast, () -> "the fast path differs on:\n" + in.content());
        }
        Object read;
        try {
            read = PortsReader.read(in);
        } catch (InputException e) {
            read = e.oneLine();
        }
        assertEquals(tree, read, () -> "PortsReader.read differs on:\n" + in.content());
        return fast != null ? FAST : tree instanceof String ? ERROR : 0;
    }

    @Test
    void everyArrayDocumentIsReadFastAndTheSame() throws IOException {
        int arrays = 0;
        for (InputText in : documents()) {
            boolean isArray = in.content().strip().startsWith("[");
            boolean fast = agree(in);
            assertEquals(isArray, fast, in.name());
            arrays += fast ? 1 : 0;
        }
        assertTrue(arrays >= 20, "only " + arrays + " array documents");
    }

    @Test
    void mutantsAreReadTheSameOrLeftToTheTree() throws IOException {
        Random random = new Random(20261206);
        int fast = 0;
        int failed = 0;
        int total = 0;
        java.util.Set<String> done = new java.util.HashSet<>();
        for (InputText in : documents()) {
            if (!done.add(in.content())) {
                continue;
            }
            for (int i = 0; i < 50; i++) {
                String mutant = in.content();
                for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                    mutant = mutate(mutant, random);
                }
                InputText m = new InputText(in.name(), mutant);
                total++;
                int outcome = outcome(m);
                fast += outcome == FAST ? 1 : 0;
                failed += outcome == ERROR ? 1 : 0;
            }
        }
        // both kinds are common, so the comparison above is not empty on either side
        assertTrue(fast > total / 10, fast + " of " + total + " mutants read fast");
        assertTrue(failed > total / 10, failed + " of " + total + " mutants are errors");
    }

    private static List<int[]> spans(Pattern p, int group, String text) {
        List<int[]> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            int g = group > 0 && m.start(group) < 0 ? group + 1 : group; // READ: a port key or a member's value
            out.add(new int[] {m.start(g), m.end(g), g});
        }
        return out;
    }

    private static String mutate(String text, Random random) {
        int kind = random.nextInt(10);
        // most edits hit what the readers read: a known member's value or a port key
        List<int[]> tokens = kind < 4 ? spans(READ, 1, text) : kind < 6 ? spans(TOKEN, 0, text) : List.of();
        if (!tokens.isEmpty()) {
            int[] t = tokens.get(random.nextInt(tokens.size()));
            List<String> swaps = t[2] == 1 && random.nextBoolean() ? KEY_SWAPS : SWAPS;
            return text.substring(0, t[0]) + swaps.get(random.nextInt(swaps.size())) + text.substring(t[1]);
        }
        List<int[]> members = kind < 8 ? spans(MEMBER, 0, text) : List.of();
        if (!members.isEmpty()) {
            int[] t = members.get(random.nextInt(members.size()));
            String member = text.substring(t[0], t[1]);
            return random.nextBoolean()
                    ? text.substring(0, t[1]) + ", " + member + text.substring(t[1]) // repeated key
                    : text.substring(0, t[0]) + "\"x" + random.nextInt(3) + "\": 1" + text.substring(t[1]);
        }
        if (text.isEmpty()) {
            return "[";
        }
        int at = random.nextInt(text.length());
        return kind == 8 ? text.substring(0, at) + text.substring(at + 1)
                : text.substring(0, at) + INSERTS.charAt(random.nextInt(INSERTS.length())) + text.substring(at);
    }

    @Test
    void aBadPortDeepInABigDocumentNamesItsFileAndLine() {
        StringBuilder ps = new StringBuilder("[\n");
        for (int c = 0; c < 300; c++) {
            ps.append(c == 0 ? "" : ",\n").append("{\"Id\": \"id").append(c).append("\", \"Names\": [\"app").append(c)
                    .append("\"],\n \"Ports\": [{\"host_ip\": \"\", \"container_port\": 80, \"host_port\": ")
                    .append(c == 250 ? "\"80a\"" : String.valueOf(10000 + c)).append(", \"protocol\": \"tcp\"}]}");
        }
        String text = ps.append("\n]\n").toString();
        assertNull(PortsStream.read("ps.json", text));
        InputException e = assertThrows(InputException.class, () -> PortsReader.read(new InputText("ps.json", text)));
        assertEquals("ps.json:" + (2 + 2 * 250 + 1) + ": Ports[].host_port: expected a whole number from 1 to 65535,"
                + " found \"80a\"", e.oneLine());
        assertFalse(e.oneLine().contains("\n"));
    }

    @Test
    void aSyntaxErrorAfterAGoodStartIsTheTreeReadersError() {
        String text = "[{\"Id\": \"a\", \"Names\": [\"web\"], \"Ports\": []},\n {\"Id\": \"b\", \"Names\": [\"db\"]\n]";
        InputException e = assertThrows(InputException.class, () -> PortsReader.read(new InputText("ps.json", text)));
        assertTrue(e.oneLine().startsWith("ps.json:3: malformed JSON: "), e.oneLine());
    }

    @Test
    void aRepeatedKeyIsLeftToTheTreeWhichKeepsTheLastValue() {
        String text = "[{\"Id\": \"a\", \"Names\": [\"web\"], \"Names\": [\"db\"]}]";
        assertNull(PortsStream.read("ps.json", text));
        assertEquals("db", PortsReader.read(new InputText("ps.json", text)).containers().get(0).name());
    }

    @Test
    void aBigHostsPsAndInspectReadTheSameBothWays() {
        // the shapes the benchmark's synthetic host writes (compact, one container a line), 40 containers of 5 ports
        StringBuilder ps = new StringBuilder("[\n");
        StringBuilder inspect = new StringBuilder("[\n");
        for (int c = 0; c < 40; c++) {
            String id = String.format(java.util.Locale.ROOT, "%064x", 0xc0ffee00L + c);
            String ip = "10.88.0." + (c + 2);
            ps.append(c == 0 ? "" : ",\n").append("{\"Id\": \"").append(id).append("\", \"Names\": [\"app").append(c)
                    .append("\"], \"Networks\": [\"podman\"], \"State\": \"running\", \"Ports\": [");
            inspect.append(c == 0 ? "" : ",\n").append("{\"Id\": \"").append(id).append("\", \"Name\": \"app").append(c)
                    .append("\", \"OCIRuntime\": \"crun\", \"NetworkSettings\": {\"IPAddress\": \"").append(ip)
                    .append("\", \"Ports\": {");
            for (int p = 0; p < 5; p++) {
                int host = 10000 + c * 5 + p;
                ps.append(p == 0 ? "" : ", ").append("{\"host_ip\": \"\", \"container_port\": ").append(80 + p)
                        .append(", \"host_port\": ").append(host).append(", \"range\": 1, \"protocol\": \"tcp\"}");
                inspect.append(p == 0 ? "" : ", ").append("\"").append(80 + p).append("/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"")
                        .append(host).append("\"}]");
            }
            ps.append("]}");
            inspect.append("}, \"Networks\": {\"podman\": {\"IPAddress\": \"").append(ip)
                    .append("\", \"IPPrefixLen\": 16}}}, \"HostConfig\": {\"NetworkMode\": \"bridge\"}}");
        }
        for (InputText in : List.of(new InputText("podman-ps.json", ps.append("\n]\n").toString()),
                new InputText("podman-inspect.json", inspect.append("\n]\n").toString()))) {
            PortsReader.PortsDocument fast = PortsStream.read(in.name(), in.content());
            assertNotNull(fast, in.name());
            assertEquals(40, fast.containers().size());
            assertEquals(200, fast.mappings().size());
            assertEquals(PortsReader.readTree(in), fast);
        }
    }
}
