package io.cnifix.cli;

import java.util.Collection;
import java.util.Map;

/**
 * Writes the plain documents cnifix prints (maps with string keys, collections, strings, booleans, ints and longs,
 * nulls) in exactly the text Gson's pretty printer makes of them, without Gson's per-value adapter lookups: a
 * 10,000-port {@code diff --format json} is 15 MB, and writing it through Gson was a fifth of the run. Anything
 * else in a document makes {@link #write} give up (null), and Gson writes the whole of it as before.
 */
final class JsonText {
    /** A new line and the indentation of each depth, written with one append. */
    private static final String[] NEWLINES = new String[32];

    static {
        for (int i = 0; i < NEWLINES.length; i++) {
            NEWLINES[i] = "\n" + "  ".repeat(i);
        }
    }

    /** The ASCII characters a string escapes. */
    private static final boolean[] ESCAPED = new boolean[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPED[c] = true;
        }
        ESCAPED['"'] = true;
        ESCAPED['\\'] = true;
    }

    /** Met a value of a kind this writer leaves to Gson. */
    private static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported() {
            super(null, null, false, false);
        }
    }

    private static final Unsupported UNSUPPORTED = new Unsupported();

    private final StringBuilder out = new StringBuilder(1 << 16);

    private JsonText() {
    }

    /** The document's text, or null when it holds a value of another kind than those above. */
    static String write(Object value) {
        JsonText t = new JsonText();
        try {
            t.value(value, 0);
        } catch (Unsupported e) {
            return null;
        }
        return t.out.toString();
    }

    private void value(Object v, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof Map<?, ?> m) {
            object(m, depth);
        } else if (v instanceof Collection<?> c) {
            array(c, depth);
        } else if (v instanceof Integer || v instanceof Long) {
            out.append(v);
        } else if (v instanceof Boolean b) {
            out.append(b.booleanValue());
        } else {
            throw UNSUPPORTED;
        }
    }

    private void object(Map<?, ?> m, int depth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw UNSUPPORTED;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(depth + 1);
            string(key);
            out.append(": ");
            value(e.getValue(), depth + 1);
        }
        newline(depth);
        out.append('}');
    }

    private void array(Collection<?> c, int depth) {
        if (c.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        for (Object x : c) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(depth + 1);
            value(x, depth + 1);
        }
        newline(depth);
        out.append(']');
    }

    private void newline(int depth) {
        if (depth < NEWLINES.length) {
            out.append(NEWLINES[depth]);
            return;
        }
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    /** Gson's escaping without HTML safety: quote, backslash, control characters, and U+2028/U+2029. */
    private void string(String s) {
        out.append('"');
        int from = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 128 ? !ESCAPED[c] : c != '\u2028' && c != '\u2029') {
                continue;
            }
            String r;
            if (c < 128) {
                r = switch (c) {
                    case '"' -> "\\\"";
                    case '\\' -> "\\\\";
                    case '\t' -> "\\t";
                    case '\b' -> "\\b";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\f' -> "\\f";
                    default -> String.format("\\u%04x", (int) c);
                };
            } else {
                r = c == '\u2028' ? "\\u2028" : "\\u2029";
            }
            out.append(s, from, i).append(r);
            from = i + 1;
        }
        out.append(s, from, n).append('"');
    }
}
