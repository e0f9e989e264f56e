package io.cnifix.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/** JSON output: maps and lists in a fixed key order, nulls written, no HTML escaping. */
final class Json {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    static String write(Object value) {
        String text = JsonText.write(value);
        return text != null ? text : withGson(value);
    }

    /**
     * Prints the document and a newline, as {@code out.println(write(value))} would on cnifix's streams (UTF-8, see
     * TerminalText): the text goes on as UTF-8 bytes made in one step (a 15 MB document otherwise went through a
     * char buffer and the stream's encoder).
     */
    static void print(java.io.PrintStream out, Object value) {
        out.writeBytes(write(value).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.println();
    }

    /** What Gson itself writes (the documents JsonText does not take; its tests' reference). */
    static String withGson(Object value) {
        return GSON.toJson(value);
    }

    /**
     * The version of every JSON document cnifix prints or writes (schemas in docs/schema/). Raised when a field
     * changes meaning or is removed; adding a field keeps it.
     */
    static final int SCHEMA_VERSION = 1;

    /** A top-level document: {@code schemaVersion} first, then the given keys. */
    static Map<String, Object> doc(Object... kv) {
        Map<String, Object> m = obj("schemaVersion", SCHEMA_VERSION);
        m.putAll(obj(kv));
        return m;
    }

    /** An ordered map from alternating keys and values. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
