package io.cnifix.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.cnifix.ingest.InputText;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a snapshot for a support ticket must not carry: the containers' environment values (where passwords and
 * tokens are passed) and anything else secret-shaped in the JSON that inspect prints: values of keys named like
 * a secret, private keys, bearer tokens and JWTs. Keys stay (they say what was there); values become
 * {@value #MARK}. Nothing cnifix judges by (addresses, ports, names, labels it reads) is touched.
 */
final class Redaction {
    static final String MARK = "<redacted>";
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(passw(or)?d|passphrase|secret|token|api[_-]?key|credential|private[_-]?key|auth(orization)?$|cookie|session[_-]?key).*");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "(?s).*(-----BEGIN [A-Z ]*PRIVATE KEY-----|\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.|(?i:bearer|basic) [A-Za-z0-9+/=._-]{12,}"
                    + "|\\b(ghp|gho|glpat|xox[bp])[-_A-Za-z0-9]{16,}|\\bAKIA[0-9A-Z]{16}\\b|://[^/@\\s:]+:[^/@\\s]+@).*");

    private Redaction() {
    }

    /** The text with secrets replaced, and how many; text that is not JSON is left alone. */
    record Result(InputText text, int replaced) {
    }

    static Result of(InputText t) {
        JsonElement root;
        try {
            root = JsonParser.parseString(t.content());
        } catch (JsonParseException e) {
            return new Result(t, 0);
        }
        int[] n = {0};
        JsonElement out = walk(root, null, n);
        if (n[0] == 0) {
            return new Result(t, 0);
        }
        String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(out);
        return new Result(new InputText(t.name(), json + "\n"), n[0]);
    }

    private static JsonElement walk(JsonElement e, String key, int[] n) {
        if (e.isJsonObject()) {
            JsonObject o = new JsonObject();
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                o.add(m.getKey(), walk(m.getValue(), m.getKey(), n));
            }
            return o;
        }
        if (e.isJsonArray()) {
            JsonArray a = new JsonArray();
            boolean env = key != null && key.equalsIgnoreCase("env");
            String previous = "";
            for (JsonElement x : e.getAsJsonArray()) {
                // a command line (CreateCommand, Args) passes the environment as "-e NAME=value" or "--env=NAME=value"
                boolean envArg = previous.equals("-e") || previous.equals("--env");
                if (x.isJsonPrimitive() && x.getAsJsonPrimitive().isString() && x.getAsString().startsWith("--env=")) {
                    JsonElement v = envEntry(x.getAsString().substring("--env=".length()), n);
                    a.add(new JsonPrimitive("--env=" + v.getAsString()));
                } else {
                    a.add((env || envArg) && x.isJsonPrimitive() ? envEntry(x.getAsString(), n) : walk(x, null, n));
                }
                previous = x.isJsonPrimitive() ? x.getAsString() : "";
            }
            return a;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            String v = e.getAsString();
            boolean secretKey = key != null && SECRET_KEY.matcher(key).matches() && !v.isEmpty();
            if (secretKey || SECRET_VALUE.matcher(v).matches()) {
                n[0]++;
                return new JsonPrimitive(MARK);
            }
        }
        return e;
    }

    /** "NAME=value" keeps NAME: which variables were set is useful, their values are the container's business. */
    private static JsonElement envEntry(String entry, int[] n) {
        int eq = entry.indexOf('=');
        if (eq < 0 || eq == entry.length() - 1) {
            return new JsonPrimitive(entry);
        }
        n[0]++;
        return new JsonPrimitive(entry.substring(0, eq + 1) + MARK);
    }

    /** Lower-case helper for tests and messages. */
    static String describe(int replaced) {
        return Words.count(replaced, "value").toLowerCase(Locale.ROOT) + " redacted";
    }
}
