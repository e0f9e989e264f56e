package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.cnifix.ingest.InputText;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftSet;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code nft -j list ruleset} (libnftables JSON schema 1) into typed tables, chains, sets and rules. Tables,
 * chains, sets and rules come as separate objects in one array and are put together here. Missing fields are
 * tolerated; an expression or statement the reader does not know is kept as unknown (with its JSON), never an
 * error, so that the engine can name it instead of guessing.
 */
public final class NftReader {
    /** Deeper expressions than this are kept as unknown: fuzzed input must not exhaust the stack. */
    private static final int MAX_DEPTH = 48;

    NftReader() {
    }

    public static List<NftTable> read(InputText in) {
        List<NftTable> fast = NftFastReader.read(in.content() == null ? "" : in.content(), in.name());
        if (fast != null) {
            return fast;
        }
        try {
            List<NftTable> streamed = streamed(in);
            if (streamed != null) {
                return streamed;
            }
        } catch (IOException | RuntimeException e) {
            // Malformed or unusual input: the tree reader below says what is wrong, with the line, as it always has.
        }
        return readTree(in);
    }

    /**
     * Reads the document as one tree before converting it. Kept for input the streaming reader does not take
     * (syntax errors, an odd top level), so that errors and results are exactly what they have always been.
     */
    static List<NftTable> readTree(InputText in) {
        JsonDoc doc = JsonDoc.parse(in);
        if (!doc.root.isJsonObject() || !doc.root.getAsJsonObject().has("nftables")) {
            throw doc.error(doc.root, "not nft -j list ruleset output (expected an object with \"nftables\")");
        }
        JsonArray items = doc.array(doc.root.getAsJsonObject().get("nftables"), "nftables");
        NftReader reader = new NftReader();
        for (JsonElement e : items) {
            reader.item(e);
        }
        return reader.tables(in.name());
    }

    /**
     * Converts the ruleset one item of the "nftables" array at a time, so that only one item's JSON tree is
     * alive at once: a host with 10,000 published ports has 40,000 rules, and a tree of the whole dump (with
     * the line bookkeeping JsonDoc keeps) held ten times the JSON's size and made the run mostly garbage
     * collection. Returns null, without a verdict, for anything but the plain shape {@code {"nftables": [...]}}.
     */
    static List<NftTable> streamed(InputText in) throws IOException {
        String content = in.content() == null ? "" : in.content();
        String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        if (text.isBlank() || r.peek() != JsonToken.BEGIN_OBJECT) {
            return null;
        }
        r.beginObject();
        NftReader reader = null;
        while (r.hasNext()) {
            String name = r.nextName();
            if (!name.equals("nftables")) {
                JsonDoc.value(r); // read (and so checked) like the tree reader does, then dropped
                continue;
            }
            if (reader != null || r.peek() != JsonToken.BEGIN_ARRAY) {
                return null; // a repeated key (the tree keeps the last) or not an array: the tree reader decides
            }
            reader = new NftReader();
            r.beginArray();
            while (r.hasNext()) {
                reader.item(JsonDoc.value(r));
            }
            r.endArray();
        }
        r.endObject();
        if (reader == null || r.peek() != JsonToken.END_DOCUMENT) {
            return null;
        }
        return reader.tables(in.name());
    }

    private final Map<String, Builder> tables = new LinkedHashMap<>();
    private Builder last;
    /** One copy of each text and each leaf expression: 40,000 rules repeat the same few names and fields. */
    private final Map<String, String> strings = new HashMap<>();
    private final Map<NftExpr, NftExpr> leaves = new HashMap<>();

    /** One item of the "nftables" array, from its tree. */
    void item(JsonElement e) {
        if (!e.isJsonObject()) {
            return;
        }
        JsonObject item = e.getAsJsonObject();
        if (item.has("table") && item.get("table").isJsonObject()) {
            JsonObject t = item.getAsJsonObject("table");
            addTable(str(t, "family"), str(t, "name"));
        } else if (item.has("chain") && item.get("chain").isJsonObject()) {
            JsonObject c = item.getAsJsonObject("chain");
            NftChain.Base base = null;
            if (c.has("hook")) {
                Integer prio = priority(c.get("prio"));
                base = new NftChain.Base(orElse(str(c, "type"), "filter"), str(c, "hook"), prio == null ? 0 : prio,
                        orElse(str(c, "policy"), "accept"));
            }
            addChain(str(c, "family"), str(c, "table"), str(c, "name"), base);
        } else if ((item.has("set") || item.has("map")) && item.get(item.has("set") ? "set" : "map").isJsonObject()) {
            JsonObject s = item.getAsJsonObject(item.has("set") ? "set" : "map");
            Builder b = table(tables, str(s, "family"), str(s, "table"));
            b.sets.add(set(s));
        } else if (item.has("rule") && item.get("rule").isJsonObject()) {
            JsonObject r = item.getAsJsonObject("rule");
            String family = str(r, "family");
            String tableName = str(r, "table");
            String chain = str(r, "chain");
            JsonElement handle = r.get("handle");
            long h = handle != null && handle.isJsonPrimitive() && handle.getAsJsonPrimitive().isNumber() ? handle.getAsLong() : 0;
            List<NftStmt> stmts = new ArrayList<>();
            JsonElement expr = r.get("expr");
            if (expr != null && expr.isJsonArray()) {
                for (JsonElement s : expr.getAsJsonArray()) {
                    stmts.add(statement(s));
                }
            }
            addRule(family, tableName, chain, h, stmts, str(r, "comment"));
        }
    }

    /* What an item adds, whichever reader (tree or NftFastReader) read it. */

    void addTable(String family, String name) {
        table(tables, family, name);
    }

    void addChain(String family, String table, String name, NftChain.Base base) {
        Builder b = table(tables, family, table);
        ChainBuilder cb = b.chains.computeIfAbsent(name, k -> new ChainBuilder());
        cb.base = base;
    }

    void addRule(String family, String table, String chain, long handle, List<NftStmt> statements, String comment) {
        Builder b = table(tables, family, table);
        b.chains.computeIfAbsent(chain, k -> new ChainBuilder()).rules
                .add(new NftRule(family, table, chain, handle, statements, comment));
    }

    List<NftTable> tables(String source) {
        List<NftTable> out = new ArrayList<>();
        for (Builder b : tables.values()) {
            List<NftChain> chains = new ArrayList<>();
            for (Map.Entry<String, ChainBuilder> c : b.chains.entrySet()) {
                chains.add(new NftChain(c.getKey(), c.getValue().base, c.getValue().rules));
            }
            out.add(new NftTable(b.family, b.name, chains, b.sets, source));
        }
        return out;
    }

    private Builder table(Map<String, Builder> tables, String family, String name) {
        String f = orElse(family, "?");
        String n = orElse(name, "?");
        // Nearly every item names the table the previous one did: no "family name" key built for each of them.
        if (last != null && last.family.equals(f) && last.name.equals(n)) {
            return last;
        }
        last = tables.computeIfAbsent(f + " " + n, k -> new Builder(f, n));
        return last;
    }

    private static final class Builder {
        final String family;
        final String name;
        final Map<String, ChainBuilder> chains = new LinkedHashMap<>();
        final List<NftSet> sets = new ArrayList<>();

        Builder(String family, String name) {
            this.family = family;
            this.name = name;
        }
    }

    private static final class ChainBuilder {
        NftChain.Base base;
        final List<NftRule> rules = new ArrayList<>();
    }

    /** A number, or one of nft's standard priority names ("filter", "dstnat + 10") as newer nft versions print. */
    static Integer priority(JsonElement e) {
        if (e == null || !e.isJsonPrimitive()) {
            return null;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return priority(p.getAsString(), p.isNumber());
    }

    /** {@code text}: a JSON number's text ({@code number}) or a string's (or a boolean's) value. */
    static Integer priority(String text, boolean number) {
        if (number) {
            return new NumberText(text).intValue();
        }
        String s = text.replace(" ", "");
        int sign = Math.max(s.indexOf('+'), s.indexOf('-', 1));
        String head = sign > 0 ? s.substring(0, sign) : s;
        int offset = 0;
        try {
            offset = sign > 0 ? Integer.parseInt(s.substring(sign).replace("+", "")) : 0;
            return Integer.parseInt(s);
        } catch (NumberFormatException ignored) {
            // a name
        }
        Integer base = switch (head) {
            case "raw" -> -300;
            case "mangle" -> -150;
            case "dstnat" -> -100;
            case "filter" -> 0;
            case "security" -> 50;
            case "srcnat" -> 100;
            default -> null;
        };
        return base == null ? null : base + offset;
    }

    private NftSet set(JsonObject s) {
        String keyType = typeText(s.get("type"));
        String dataType = s.has("map") ? typeText(s.get("map")) : null;
        List<String> flags = new ArrayList<>();
        JsonElement f = s.get("flags");
        if (f != null && f.isJsonArray()) {
            for (JsonElement x : f.getAsJsonArray()) {
                if (x.isJsonPrimitive()) {
                    flags.add(x.getAsString());
                }
            }
        } else if (f != null && f.isJsonPrimitive()) {
            flags.add(f.getAsString());
        }
        List<NftExpr> elements = new ArrayList<>();
        JsonElement elem = s.get("elem");
        if (elem != null && elem.isJsonArray()) {
            for (JsonElement x : elem.getAsJsonArray()) {
                elements.add(element(x, dataType != null, 0));
            }
        }
        return new NftSet(orElse(str(s, "name"), "?"), keyType, dataType, flags, elements);
    }

    private String typeText(JsonElement t) {
        if (t == null) {
            return null;
        }
        if (t.isJsonArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonElement x : t.getAsJsonArray()) {
                parts.add(x.isJsonPrimitive() ? x.getAsString() : "?");
            }
            return String.join(" . ", parts);
        }
        return t.isJsonPrimitive() ? t.getAsString() : "?";
    }

    /** A set element, or for a map (also a map literal) a {@code [key, data]} pair. */
    private NftExpr element(JsonElement x, boolean map, int depth) {
        if (map && x.isJsonArray() && x.getAsJsonArray().size() == 2) {
            JsonArray pair = x.getAsJsonArray();
            return new NftExpr.Mapping(expr(pair.get(0), depth + 1), data(pair.get(1), depth + 1));
        }
        return expr(x, depth + 1);
    }

    /** Map data: a verdict ({@code {"jump": {"target": ...}}}) or an expression. */
    private NftExpr data(JsonElement d, int depth) {
        if (d != null && d.isJsonObject() && d.getAsJsonObject().size() == 1) {
            String k = d.getAsJsonObject().keySet().iterator().next();
            if (isVerdict(k)) {
                return new NftExpr.VerdictData(verdict(k, d.getAsJsonObject().get(k)));
            }
        }
        return expr(d, depth + 1);
    }

    static boolean isVerdict(String k) {
        return switch (k) {
            case "accept", "drop", "continue", "return", "jump", "goto", "reject", "queue" -> true;
            default -> false;
        };
    }

    NftStmt statement(JsonElement e) {
        if (e == null || !e.isJsonObject() || e.getAsJsonObject().size() != 1) {
            return new NftStmt.Unknown("?", String.valueOf(e));
        }
        String kind = e.getAsJsonObject().keySet().iterator().next();
        JsonElement body = e.getAsJsonObject().get(kind);
        JsonObject o = body != null && body.isJsonObject() ? body.getAsJsonObject() : null;
        if (isVerdict(kind)) {
            return verdict(kind, body);
        }
        return switch (kind) {
            case "match" -> o == null ? new NftStmt.Unknown(kind, String.valueOf(body))
                    : new NftStmt.Match(expr(o.get("left"), 0), orElse(str(o, "op"), "=="), expr(o.get("right"), 0));
            case "vmap" -> o == null ? new NftStmt.Unknown(kind, String.valueOf(body))
                    : new NftStmt.VMap(expr(o.get("key"), 0), mapData(o.get("data"), 0));
            case "dnat", "snat", "redirect", "masquerade" -> nat(kind, o);
            case "mangle" -> {
                if (o == null) {
                    yield new NftStmt.Unknown(kind, String.valueOf(body));
                }
                NftExpr key = expr(o.get("key"), 0);
                if (key instanceof NftExpr.Meta m && m.key().equals("mark")) {
                    yield new NftStmt.SetMark(false, "mark", expr(o.get("value"), 0));
                }
                if (key instanceof NftExpr.Ct c && c.key().equals("mark")) {
                    yield new NftStmt.SetMark(true, "mark", expr(o.get("value"), 0));
                }
                // Changing other packet fields (dscp, ttl, priority) does not change where it goes; unknown anyway.
                yield new NftStmt.Unknown("mangle " + key, String.valueOf(body));
            }
            case "counter", "log", "quota" -> kind.equals("quota") ? new NftStmt.Unknown(kind, String.valueOf(body))
                    : new NftStmt.Passive(kind);
            case "limit" -> new NftStmt.Limit(o == null ? "" : str(o, "rate") + "/" + str(o, "per"));
            case "notrack" -> new NftStmt.NoTrack();
            case "set", "map" -> new NftStmt.Passive(kind + " update");
            default -> new NftStmt.Unknown(kind, String.valueOf(body));
        };
    }

    private NftStmt.Verdict verdict(String kind, JsonElement body) {
        String target = null;
        String detail = null;
        if (body != null && body.isJsonObject()) {
            JsonObject o = body.getAsJsonObject();
            target = str(o, "target");
            if (kind.equals("reject")) {
                String type = str(o, "type");
                String expr = str(o, "expr");
                detail = type == null && expr == null ? null : "with " + orElse(type, "icmp") + " " + orElse(expr, "");
            }
        }
        return new NftStmt.Verdict(kind, target, detail == null ? null : detail.trim());
    }

    private NftStmt nat(String kind, JsonObject o) {
        List<String> flags = new ArrayList<>();
        if (o == null) {
            return new NftStmt.Nat(kind, null, null, null, flags);
        }
        JsonElement f = o.get("flags");
        if (f != null && f.isJsonArray()) {
            for (JsonElement x : f.getAsJsonArray()) {
                flags.add(x.isJsonPrimitive() ? x.getAsString() : "?");
            }
        } else if (f != null && f.isJsonPrimitive()) {
            flags.add(f.getAsString());
        }
        if (o.has("type_flags")) {
            flags.add(String.valueOf(o.get("type_flags")));
        }
        NftExpr addr = o.has("addr") ? expr(o.get("addr"), 0) : null;
        NftExpr port = o.has("port") ? expr(o.get("port"), 0) : null;
        return new NftStmt.Nat(kind, str(o, "family"), addr, port, flags);
    }

    /** The map a vmap or map lookup uses: a literal of {@code [key, data]} pairs or a named map. */
    private NftExpr mapData(JsonElement d, int depth) {
        if (d != null && d.isJsonObject() && d.getAsJsonObject().has("set")) {
            JsonElement s = d.getAsJsonObject().get("set");
            List<NftExpr> elements = new ArrayList<>();
            if (s.isJsonArray()) {
                for (JsonElement x : s.getAsJsonArray()) {
                    elements.add(element(x, true, depth + 1));
                }
            } else {
                elements.add(element(s, true, depth + 1));
            }
            return new NftExpr.SetLiteral(elements);
        }
        return expr(d, depth + 1);
    }

    NftExpr expr(JsonElement e, int depth) {
        if (e == null || e.isJsonNull()) {
            return new NftExpr.Unknown("null");
        }
        if (depth > MAX_DEPTH) {
            return new NftExpr.Unknown("(nested too deep)");
        }
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                try {
                    return leaf(new NftExpr.Value(p.getAsLong()));
                } catch (NumberFormatException x) {
                    return new NftExpr.Unknown(p.getAsString());
                }
            }
            String s = p.getAsString();
            return leaf(s.startsWith("@") ? new NftExpr.SetRef(s.substring(1)) : new NftExpr.Value(shared(s)));
        }
        if (e.isJsonArray()) {
            // A list on the right of a match: flags (ct state established,related) or a set's values.
            List<NftExpr> parts = new ArrayList<>();
            for (JsonElement x : e.getAsJsonArray()) {
                parts.add(expr(x, depth + 1));
            }
            return new NftExpr.SetLiteral(parts);
        }
        JsonObject o = e.getAsJsonObject();
        if (o.size() != 1) {
            return new NftExpr.Unknown(o.toString());
        }
        String k = o.keySet().iterator().next();
        JsonElement v = o.get(k);
        JsonObject vo = v != null && v.isJsonObject() ? v.getAsJsonObject() : null;
        switch (k) {
            case "payload" -> {
                if (vo != null && vo.has("protocol") && vo.has("field")) {
                    return leaf(new NftExpr.Payload(str(vo, "protocol"), str(vo, "field")));
                }
            }
            case "meta" -> {
                if (vo != null && vo.has("key")) {
                    return leaf(new NftExpr.Meta(str(vo, "key")));
                }
            }
            case "ct" -> {
                if (vo != null && vo.has("key")) {
                    return leaf(new NftExpr.Ct(str(vo, "key"), str(vo, "dir"), str(vo, "family")));
                }
            }
            case "fib" -> {
                if (vo != null) {
                    List<String> flags = new ArrayList<>();
                    JsonElement f = vo.get("flags");
                    if (f != null && f.isJsonArray()) {
                        for (JsonElement x : f.getAsJsonArray()) {
                            flags.add(x.isJsonPrimitive() ? x.getAsString() : "?");
                        }
                    } else if (f != null && f.isJsonPrimitive()) {
                        flags.add(f.getAsString());
                    }
                    return leaf(new NftExpr.Fib(flags, orElse(str(vo, "result"), "?")));
                }
            }
            case "prefix" -> {
                if (vo != null && vo.has("addr") && vo.get("len") != null && vo.get("len").isJsonPrimitive()) {
                    try {
                        return leaf(new NftExpr.Prefix(str(vo, "addr"), vo.get("len").getAsInt()));
                    } catch (NumberFormatException x) {
                        return new NftExpr.Unknown(o.toString());
                    }
                }
            }
            case "range" -> {
                if (v != null && v.isJsonArray() && v.getAsJsonArray().size() == 2) {
                    return new NftExpr.Range(expr(v.getAsJsonArray().get(0), depth + 1), expr(v.getAsJsonArray().get(1), depth + 1));
                }
            }
            case "set" -> {
                return v != null && v.isJsonArray() ? expr(v, depth + 1)
                        : new NftExpr.SetLiteral(List.of(expr(v, depth + 1)));
            }
            case "concat" -> {
                if (v != null && v.isJsonArray()) {
                    List<NftExpr> parts = new ArrayList<>();
                    for (JsonElement x : v.getAsJsonArray()) {
                        parts.add(expr(x, depth + 1));
                    }
                    return new NftExpr.Concat(parts);
                }
            }
            case "elem" -> {
                if (vo != null && vo.has("val")) {
                    return expr(vo.get("val"), depth + 1);
                }
            }
            case "&", "|", "^", "<<", ">>" -> {
                if (v != null && v.isJsonArray() && v.getAsJsonArray().size() == 2) {
                    return new NftExpr.Binop(k, expr(v.getAsJsonArray().get(0), depth + 1), expr(v.getAsJsonArray().get(1), depth + 1));
                }
            }
            case "map" -> {
                if (vo != null && vo.has("key")) {
                    return new NftExpr.MapLookup(expr(vo.get("key"), depth + 1), mapData(vo.get("data"), depth + 1));
                }
            }
            default -> {
            }
        }
        return new NftExpr.Unknown(o.toString());
    }

    private String str(JsonObject o, String key) {
        JsonElement e = o == null ? null : o.get(key);
        return e != null && e.isJsonPrimitive() ? shared(e.getAsString()) : null;
    }

    String shared(String s) {
        String had = strings.putIfAbsent(s, s);
        return had == null ? s : had;
    }

    @SuppressWarnings("unchecked")
    <T extends NftExpr> T leaf(T e) {
        NftExpr had = leaves.putIfAbsent(e, e);
        return had == null ? e : (T) had;
    }

    private static String orElse(String s, String dflt) {
        return s == null ? dflt : s;
    }
}
