package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed JSON document that can tell the line of every object, array and value, so that shape errors
 * ("HostPort is not a number") point at a line like syntax errors do. The tree is built without recursion:
 * fuzzed input can nest thousands of levels deep. Only the token's ordinal is stored per element; the line is
 * found again by re-reading the text when an error needs it (JsonReader only tells its line through
 * toString(), which also prints the whole path and would make deep documents quadratic).
 */
final class JsonDoc {
    private static final Pattern LINE = Pattern.compile("at line (\\d+) column (\\d+)");

    final String name;
    final JsonElement root;
    private final String text;
    private final Map<JsonElement, Integer> tokens;

    private JsonDoc(String name, String text, JsonElement root, Map<JsonElement, Integer> tokens) {
        this.name = name;
        this.text = text;
        this.root = root;
        this.tokens = tokens;
    }

    static JsonDoc parse(InputText in) {
        return parse(in.name(), in.content() == null ? "" : in.content());
    }

    static JsonDoc parse(String name, String content) {
        // A byte-order mark from an editor is not part of the document.
        String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        JsonReader r = reader(text);
        Map<JsonElement, Integer> tokens = new IdentityHashMap<>();
        try {
            if (text.isBlank()) {
                throw new InputException(name, 0, "empty input, expected a JSON document");
            }
            JsonElement root = build(r, tokens);
            boolean more;
            try {
                more = r.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException | RuntimeException e) {
                more = true; // strict mode refuses a second top-level value outright
            }
            if (more) {
                throw new InputException(name, line(r), "unexpected data after the end of the JSON document");
            }
            return new JsonDoc(name, text, root, tokens);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InputException ie) {
                throw ie;
            }
            throw syntaxError(name, text, r, e);
        }
    }

    private static JsonReader reader(String text) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        return r;
    }

    /**
     * The next value of {@code r} as a tree, without the line bookkeeping: for readers that stream a large
     * document one part at a time and report no shape errors by line (see NftReader).
     */
    static JsonElement value(JsonReader r) throws IOException {
        return build(r, null);
    }

    private static JsonElement build(JsonReader r, Map<JsonElement, Integer> tokens) throws IOException {
        Deque<JsonElement> open = new ArrayDeque<>();
        Deque<String> names = new ArrayDeque<>();
        JsonElement root = null;
        int ordinal = -1;
        do {
            JsonToken t = r.peek();
            ordinal++;
            JsonElement value;
            switch (t) {
                case BEGIN_OBJECT -> {
                    r.beginObject();
                    value = new JsonObject();
                }
                case BEGIN_ARRAY -> {
                    r.beginArray();
                    value = new JsonArray();
                }
                case END_OBJECT -> {
                    r.endObject();
                    open.pop();
                    continue;
                }
                case END_ARRAY -> {
                    r.endArray();
                    open.pop();
                    continue;
                }
                case NAME -> {
                    names.push(r.nextName());
                    continue;
                }
                case STRING -> value = new JsonPrimitive(r.nextString());
                case NUMBER -> value = new JsonPrimitive(new NumberText(r.nextString()));
                case BOOLEAN -> value = new JsonPrimitive(r.nextBoolean());
                case NULL -> {
                    r.nextNull();
                    value = JsonNull.INSTANCE;
                }
                default -> throw new IOException("unexpected end of input");
            }
            if (tokens != null && value != JsonNull.INSTANCE) {
                tokens.put(value, ordinal);
            }
            JsonElement parent = open.peek();
            if (parent == null) {
                root = value;
            } else if (parent.isJsonObject()) {
                parent.getAsJsonObject().add(names.pop(), value);
            } else {
                parent.getAsJsonArray().add(value);
            }
            if (value.isJsonObject() || value.isJsonArray()) {
                open.push(value);
            }
        } while (!open.isEmpty());
        return root;
    }

    /** The reader's current line; JsonReader only exposes it through toString(). */
    private static int line(JsonReader r) {
        Matcher m = LINE.matcher(r.toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static InputException syntaxError(String name, String text, JsonReader r, Exception e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        int nl = msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        Matcher m = LINE.matcher(msg);
        boolean inMessage = m.find();
        if (inMessage) {
            msg = msg.substring(0, m.start()).trim();
        } else {
            m = LINE.matcher(r.toString());
        }
        int line = 0;
        int column = 0;
        if (inMessage || m.find()) {
            line = Integer.parseInt(m.group(1));
            column = Integer.parseInt(m.group(2));
        }
        if (e instanceof java.io.EOFException || msg.startsWith("End of input")) {
            msg = "unexpected end of input";
        } else if (msg.isEmpty() || msg.startsWith("Use JsonReader.")) {
            msg = "syntax error" + near(text, line, column);
        }
        return new InputException(name, line, "malformed JSON: " + msg + (column > 0 ? " (column " + column + ")" : ""));
    }

    /** The text where the reader stopped; JsonReader's column is usually one past the offending character. */
    private static String near(String text, int line, int column) {
        if (line < 1 || column < 1) {
            return "";
        }
        int start = 0;
        for (int l = 1; l < line && start >= 0; l++) {
            start = text.indexOf('\n', start);
            start = start < 0 ? -1 : start + 1;
        }
        if (start < 0) {
            return "";
        }
        int end = text.indexOf('\n', start);
        String lineText = end < 0 ? text.substring(start) : text.substring(start, end);
        int from = Math.max(0, Math.min(lineText.length(), column - 2));
        String snippet = lineText.substring(from, Math.min(lineText.length(), from + 16)).strip();
        return snippet.isEmpty() ? "" : " near \"" + cut(snippet) + "\"";
    }

    int lineOf(JsonElement e) {
        Integer ordinal = e == null ? null : tokens.get(e);
        if (ordinal == null) {
            return 0;
        }
        JsonReader r = reader(text);
        try {
            for (int i = 0; i < ordinal; i++) {
                switch (r.peek()) {
                    case BEGIN_OBJECT -> r.beginObject();
                    case BEGIN_ARRAY -> r.beginArray();
                    case END_OBJECT -> r.endObject();
                    case END_ARRAY -> r.endArray();
                    case NAME -> r.nextName();
                    case BOOLEAN -> r.nextBoolean();
                    case NULL -> r.nextNull();
                    default -> r.nextString();
                }
            }
            r.peek();
            return line(r);
        } catch (IOException | RuntimeException ex) {
            return 0;
        }
    }

    InputException error(JsonElement at, String message) {
        return new InputException(name, lineOf(at), message);
    }

    static String kind(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
    }

    JsonObject object(JsonElement e, String what) {
        if (e == null || !e.isJsonObject()) {
            throw error(e, what + ": expected an object, found " + kind(e));
        }
        return e.getAsJsonObject();
    }

    JsonArray array(JsonElement e, String what) {
        if (e == null || !e.isJsonArray()) {
            throw error(e, what + ": expected an array, found " + kind(e));
        }
        return e.getAsJsonArray();
    }

    /** The member as an object, or null when absent or JSON null. */
    JsonObject optObject(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : object(e, what + "." + key);
    }

    /** The member as an array, or null when absent or JSON null. */
    JsonArray optArray(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : array(e, what + "." + key);
    }

    /** A string member, or null when absent or JSON null. Numbers are taken as their text. */
    String string(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        return text(e, what + "." + key);
    }

    String text(JsonElement e, String what) {
        if (e == null || !e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw error(e, what + ": expected a string, found " + kind(e));
        }
        return e.getAsString();
    }

    String required(JsonObject o, String key, String what) {
        String s = string(o, key, what);
        if (s == null || s.isEmpty()) {
            throw error(o, what + ": missing \"" + key + "\"");
        }
        return s;
    }

    boolean bool(JsonObject o, String key, String what, boolean dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            // Podman stores some options as strings ("true"/"false").
            String s = e.getAsString();
            if (s.equals("true") || s.equals("false")) {
                return s.equals("true");
            }
        }
        throw error(e, what + "." + key + ": expected true or false, found " + kind(e));
    }

    /** A decimal integer given as a JSON number or a numeric string, within [min, max]. */
    long integer(JsonElement e, String what, long min, long max) {
        String s = e == null || e.isJsonNull() ? null : text(e, what);
        if (s == null || s.isEmpty()) {
            throw error(e, what + ": expected a number from " + min + " to " + max + ", found " + kind(e));
        }
        int i = s.startsWith("-") ? 1 : 0;
        if (i == s.length() || s.length() - i > 18) {
            throw error(e, what + ": expected a number from " + min + " to " + max + ", found \"" + cut(s) + "\"");
        }
        for (int k = i; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                throw error(e, what + ": expected a whole number from " + min + " to " + max
                        + ", found \"" + cut(s) + "\"");
            }
        }
        long v = Long.parseLong(s);
        if (v < min || v > max) {
            throw error(e, what + ": " + v + " is out of range (" + min + " to " + max + ")");
        }
        return v;
    }

    int port(JsonElement e, String what) {
        return (int) integer(e, what, 1, 65535);
    }

    /**
     * The member {@code key} of {@code o} as a port. A missing or null member has no position of its own (JSON
     * null is one shared object), so the error points at the object's line instead.
     */
    int port(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw error(o, what + ": expected a number from 1 to 65535, found " + kind(e));
        }
        return port(e, what);
    }

    IpAddress address(JsonElement e, String what) {
        return address(text(e, what), e, what);
    }

    IpAddress address(String s, JsonElement at, String what) {
        IpAddress ip = addressOrNull(s);
        if (ip == null) {
            throw error(at, what + ": \"" + cut(s) + "\" is not an IP address");
        }
        return ip;
    }

    /** The address the text gives, or null when it is not an IP address literal. */
    static IpAddress addressOrNull(String s) {
        try {
            if (s != null && plausible(s)) {
                return IpAddress.parse(s);
            }
        } catch (IllegalArgumentException ex) {
            // not an address
        }
        return null;
    }

    Cidr cidr(JsonElement e, String what) {
        String s = text(e, what);
        try {
            int slash = s.indexOf('/');
            if (plausible(slash < 0 ? s : s.substring(0, slash))) {
                return Cidr.parse(s);
            }
        } catch (IllegalArgumentException ex) {
            // reported below
        }
        throw error(e, what + ": \"" + cut(s) + "\" is not an address prefix (address/length)");
    }

    /**
     * Screens out text that IpAddress.parse would hand to InetAddress as a host name rather than a literal
     * (an IPv6-looking string starting with '.', or one that is empty once brackets and zone are removed):
     * that could start a DNS lookup.
     */
    private static boolean plausible(String s) {
        if (s.indexOf(':') < 0) {
            return true;
        }
        String lit = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        int zone = lit.indexOf('%');
        if (zone >= 0) {
            lit = lit.substring(0, zone);
        }
        return !lit.isEmpty() && (lit.charAt(0) == ':' || Character.digit(lit.charAt(0), 16) >= 0);
    }

    /** Keeps quoted input short in messages: one line, at most 60 characters. */
    static String cut(String s) {
        // \p{Cntrl} (U+0000-U+001F, U+007F) to '?' without a regex: the readers name every container, port key and
        // network this way up front, and replaceAll compiled a pattern for each of a big host's 16,000 of them.
        char[] one = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                one = one == null ? s.toCharArray() : one;
                one[i] = '?';
            }
        }
        String clean = one == null ? s : new String(one);
        return clean.length() <= 60 ? clean : clean.substring(0, 57) + "...";
    }
}
