package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.cnifix.ingest.InputText;
import io.cnifix.model.NftTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code nft -j list ruleset} (libnftables JSON schema 1). Tables, chains and rules come as separate objects
 * in one array; rules are attached to their chains. Expressions cnifix has no use for become an unknown condition
 * ("?"), never an error: the reader only has to tell which tables could filter forwarded packets.
 */
public final class NftReader {
    private NftReader() {
    }

    public static List<NftTable> read(InputText in) {
        JsonDoc doc = JsonDoc.parse(in);
        if (!doc.root.isJsonObject() || !doc.root.getAsJsonObject().has("nftables")) {
            throw doc.error(doc.root, "not nft -j list ruleset output (expected an object with \"nftables\")");
        }
        JsonArray items = doc.array(doc.root.getAsJsonObject().get("nftables"), "nftables");
        Map<String, String[]> tables = new LinkedHashMap<>();
        Map<String, Map<String, ChainBuilder>> chains = new LinkedHashMap<>();
        for (JsonElement e : items) {
            JsonObject item = doc.object(e, "nftables[]");
            if (item.has("table")) {
                JsonObject t = doc.object(item.get("table"), "table");
                String family = doc.required(t, "family", "table");
                String name = doc.required(t, "name", "table");
                tables.put(family + " " + name, new String[] {family, name});
                chains.computeIfAbsent(family + " " + name, k -> new LinkedHashMap<>());
            } else if (item.has("chain")) {
                JsonObject c = doc.object(item.get("chain"), "chain");
                String key = doc.required(c, "family", "chain") + " " + doc.required(c, "table", "chain");
                String name = doc.required(c, "name", "chain");
                JsonElement prio = c.get("prio");
                Integer priority = prio != null && prio.isJsonPrimitive() && prio.getAsJsonPrimitive().isNumber()
                        ? prio.getAsInt() : null;
                chains.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(name, new ChainBuilder(name,
                        doc.string(c, "type", "chain"), doc.string(c, "hook", "chain"), priority, doc.string(c, "policy", "chain")));
            } else if (item.has("rule")) {
                JsonObject r = doc.object(item.get("rule"), "rule");
                String key = doc.required(r, "family", "rule") + " " + doc.required(r, "table", "rule");
                String chain = doc.required(r, "chain", "rule");
                ChainBuilder b = chains.computeIfAbsent(key, k -> new LinkedHashMap<>())
                        .computeIfAbsent(chain, k -> new ChainBuilder(chain, null, null, null, null));
                JsonElement handle = r.get("handle");
                long h = handle != null && handle.isJsonPrimitive() && handle.getAsJsonPrimitive().isNumber() ? handle.getAsLong() : 0;
                JsonArray expr = doc.optArray(r, "expr", "rule");
                b.rules.add(rule(h, expr));
            }
        }
        List<NftTable> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, ChainBuilder>> e : chains.entrySet()) {
            String[] fn = tables.getOrDefault(e.getKey(), e.getKey().split(" ", 2));
            List<NftTable.NftChain> cs = new ArrayList<>();
            for (ChainBuilder b : e.getValue().values()) {
                cs.add(new NftTable.NftChain(b.name, b.type, b.hook, b.priority, b.policy, b.rules));
            }
            out.add(new NftTable(fn[0], fn[1], cs, in.name()));
        }
        return out;
    }

    private static final class ChainBuilder {
        final String name;
        final String type;
        final String hook;
        final Integer priority;
        final String policy;
        final List<NftTable.NftRule> rules = new ArrayList<>();

        ChainBuilder(String name, String type, String hook, Integer priority, String policy) {
            this.name = name;
            this.type = type;
            this.hook = hook;
            this.priority = priority;
            this.policy = policy;
        }
    }

    private static NftTable.NftRule rule(long handle, JsonArray expr) {
        List<NftTable.Condition> conditions = new ArrayList<>();
        List<String> actions = new ArrayList<>();
        if (expr != null) {
            for (JsonElement e : expr) {
                if (!e.isJsonObject()) {
                    continue;
                }
                for (Map.Entry<String, JsonElement> s : e.getAsJsonObject().entrySet()) {
                    statement(s.getKey(), s.getValue(), conditions, actions);
                }
            }
        }
        return new NftTable.NftRule(handle, conditions, actions);
    }

    private static void statement(String kind, JsonElement body, List<NftTable.Condition> conditions, List<String> actions) {
        switch (kind) {
            case "match" -> {
                if (body.isJsonObject()) {
                    JsonObject m = body.getAsJsonObject();
                    String op = m.has("op") && m.get("op").isJsonPrimitive() ? m.get("op").getAsString() : "==";
                    conditions.add(new NftTable.Condition(key(m.get("left")), op, values(m.get("right"))));
                }
            }
            case "accept", "drop", "continue", "return", "queue" -> actions.add(kind);
            case "reject" -> actions.add("reject");
            case "jump", "goto" -> actions.add(kind + ":" + target(body));
            case "dnat", "snat", "redirect", "masquerade" -> actions.add(kind);
            case "mangle" -> {
                String k = body.isJsonObject() ? key(body.getAsJsonObject().get("key")) : "?";
                if (k.endsWith("mark") || k.equals("?")) {
                    actions.add("mark");
                } else {
                    actions.add("mangle " + k);
                }
            }
            case "vmap" -> {
                // A verdict map: the key is tested, so the rule may take any verdict the map holds.
                if (body.isJsonObject()) {
                    JsonObject v = body.getAsJsonObject();
                    conditions.add(new NftTable.Condition(key(v.get("key")), "vmap", List.of()));
                    verdictsOf(v.get("data"), actions);
                }
            }
            default -> {
                // counter, log, limit, comment, notrack, ... do not decide a packet's fate.
            }
        }
    }

    private static void verdictsOf(JsonElement data, List<String> actions) {
        if (data == null) {
            actions.add("?");
            return;
        }
        if (data.isJsonObject() && data.getAsJsonObject().has("set")) {
            data = data.getAsJsonObject().get("set");
        }
        if (data.isJsonArray()) {
            for (JsonElement pair : data.getAsJsonArray()) {
                if (pair.isJsonArray() && pair.getAsJsonArray().size() == 2 && pair.getAsJsonArray().get(1).isJsonObject()) {
                    for (Map.Entry<String, JsonElement> v : pair.getAsJsonArray().get(1).getAsJsonObject().entrySet()) {
                        statement(v.getKey(), v.getValue(), new ArrayList<>(), actions);
                    }
                } else {
                    actions.add("?");
                }
            }
        } else {
            // A named map (@name): its verdicts are not in the rule.
            actions.add("?");
        }
    }

    private static String target(JsonElement body) {
        if (body != null && body.isJsonObject() && body.getAsJsonObject().has("target")) {
            JsonElement t = body.getAsJsonObject().get("target");
            return t.isJsonPrimitive() ? t.getAsString() : "?";
        }
        return "?";
    }

    static String key(JsonElement left) {
        if (left == null || !left.isJsonObject()) {
            return "?";
        }
        JsonObject o = left.getAsJsonObject();
        if (o.has("meta") && o.get("meta").isJsonObject()) {
            return str(o.getAsJsonObject("meta").get("key"));
        }
        if (o.has("ct") && o.get("ct").isJsonObject()) {
            return "ct " + str(o.getAsJsonObject("ct").get("key"));
        }
        if (o.has("payload") && o.get("payload").isJsonObject()) {
            JsonObject p = o.getAsJsonObject("payload");
            return str(p.get("protocol")) + " " + str(p.get("field"));
        }
        return "?";
    }

    private static String str(JsonElement e) {
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "?";
    }

    static List<String> values(JsonElement right) {
        List<String> out = new ArrayList<>();
        value(right, out);
        return out;
    }

    private static void value(JsonElement v, List<String> out) {
        if (v == null || v.isJsonNull()) {
            out.add("?");
        } else if (v.isJsonPrimitive()) {
            JsonPrimitive p = v.getAsJsonPrimitive();
            out.add(p.isNumber() ? Long.toString(p.getAsLong()) : p.getAsString());
        } else if (v.isJsonArray()) {
            for (JsonElement e : v.getAsJsonArray()) {
                value(e, out);
            }
        } else {
            JsonObject o = v.getAsJsonObject();
            if (o.has("set")) {
                value(o.get("set"), out);
            } else if (o.has("prefix") && o.get("prefix").isJsonObject()) {
                JsonObject p = o.getAsJsonObject("prefix");
                out.add(str(p.get("addr")) + "/" + str(p.get("len")));
            } else if (o.has("range") && o.get("range").isJsonArray() && o.getAsJsonArray("range").size() == 2) {
                JsonArray r = o.getAsJsonArray("range");
                out.add(str(r.get(0)) + "-" + str(r.get(1)));
            } else {
                out.add("?");
            }
        }
    }
}
