package io.cnifix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.model.HostState;
import io.cnifix.system.StateFiles;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** cnifix's own JSON writer must write every document exactly as Gson's pretty printer did, or leave it to Gson. */
class JsonTextTest {

    @Test
    void everyFixturesDiffDocumentIsWrittenAsGsonWritesIt() throws Exception {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(Path.of("fixtures"))) {
            dirs = s.filter(d -> Files.isDirectory(d) && Files.exists(d.resolve("manifest.json"))).sorted().toList();
        }
        assertTrue(dirs.size() >= 10, dirs.toString());
        for (Path d : dirs) {
            HostState host = HostStateBuilder.build(new StateFiles(new ByteArrayInputStream(new byte[0])).snapshot(d));
            Map<String, Object> doc = DiffJson.report(MissingInput.adjust(new Comparer(host, DockerModel.CURRENT, Set.of()).compare()));
            String mine = JsonText.write(doc);
            assertNotNull(mine, d + ": a diff document holds only what JsonText writes");
            assertEquals(Json.withGson(doc), mine, d.toString());
        }
    }

    @Test
    void randomDocumentsAreWrittenAsGsonWritesThem() {
        Random random = new Random(5);
        for (int k = 0; k < 3000; k++) {
            Object doc = value(random, 0);
            assertEquals(Json.withGson(doc), JsonText.write(doc), String.valueOf(k));
            assertEquals(Json.withGson(doc), Json.write(doc));
        }
    }

    @Test
    void valuesOfOtherKindsAreLeftToGson() {
        enum Colour { RED }
        record Point(int x, String y) {
        }
        Map<Object, Object> numberKey = new LinkedHashMap<>();
        numberKey.put(1, "one");
        for (Object odd : List.of(1.5, Colour.RED, new Point(1, "a\n"), numberKey, 'c', new int[] {1, 2}, (short) 3)) {
            Map<String, Object> doc = new LinkedHashMap<>(Map.of("a", List.of("x", odd)));
            assertNull(JsonText.write(doc), odd.toString());
            assertEquals(Json.withGson(doc), Json.write(doc));
        }
    }

    private static final String CHARS = "aZ09 \"\\/\t\b\n\r\f\u0000\u0001\u001b\u001f\u007f\u0085é€\u2028\u2029<>&='\ud83d\ude00\ud800";

    private static Object value(Random r, int depth) {
        int kind = r.nextInt(depth > 4 ? 6 : 9);
        switch (kind) {
            case 0:
                return null;
            case 1:
                return r.nextBoolean();
            case 2:
                return r.nextInt();
            case 3:
                return r.nextLong();
            case 4:
            case 5: {
                StringBuilder sb = new StringBuilder();
                for (int i = r.nextInt(8); i > 0; i--) {
                    sb.append(CHARS.charAt(r.nextInt(CHARS.length())));
                }
                return sb.toString();
            }
            case 6: {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    l.add(value(r, depth + 1));
                }
                return r.nextBoolean() ? l : Set.copyOf(l.stream().filter(x -> x != null).distinct().toList());
            }
            default: {
                Map<String, Object> m = r.nextBoolean() ? new LinkedHashMap<>() : new TreeMap<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    m.put(value(r, 99) instanceof String s ? s : "k" + i, value(r, depth + 1));
                }
                return m;
            }
        }
    }
}
