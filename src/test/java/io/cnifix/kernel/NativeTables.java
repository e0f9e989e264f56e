package io.cnifix.kernel;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.lab.KernelLab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A fixture's native nftables tables (everything in its {@code nft-ruleset.json} but iptables-nft's own tables,
 * which the lab loads from iptables-save), loaded into the lab's host with {@code nft -j -f}.
 */
final class NativeTables {
    private static final Set<String> IPTABLES = Set.of("filter", "nat", "raw", "mangle", "security");

    private NativeTables() {
    }

    /** The native part of the fixture's nft ruleset as nft -j -f input, or null when it has none. */
    static String of(Path fixture) throws Exception {
        Path f = fixture.resolve("nft-ruleset.json");
        if (!Files.exists(f)) {
            return null;
        }
        JsonArray kept = new JsonArray();
        for (JsonElement e : JsonParser.parseString(Files.readString(f)).getAsJsonObject().getAsJsonArray("nftables")) {
            JsonObject item = e.getAsJsonObject();
            String kind = item.keySet().iterator().next();
            if (kind.equals("metainfo")) {
                continue;
            }
            JsonObject body = item.getAsJsonObject(kind);
            String family = body.has("family") ? body.get("family").getAsString() : "";
            String table = kind.equals("table") ? body.get("name").getAsString() : body.has("table") ? body.get("table").getAsString() : "";
            if ((family.equals("ip") || family.equals("ip6")) && IPTABLES.contains(table)) {
                continue;
            }
            kept.add(item);
        }
        if (kept.isEmpty()) {
            return null;
        }
        // nft lists a verdict map before the chains its elements jump to; loading needs the chains first.
        JsonArray ordered = new JsonArray();
        for (String kind : new String[] {"table", "chain", "set", "map", "flowtable", "rule"}) {
            for (JsonElement e : kept) {
                if (e.getAsJsonObject().has(kind)) {
                    ordered.add(e);
                }
            }
        }
        for (JsonElement e : kept) {
            if (!ordered.contains(e)) {
                ordered.add(e);
            }
        }
        JsonObject root = new JsonObject();
        root.add("nftables", ordered);
        return root.toString();
    }

    static void load(KernelLab lab, Path fixture) throws Exception {
        String json = of(fixture);
        if (json != null) {
            lab.hostExec(json, "nft", "-j", "-f", "-");
        }
    }
}
