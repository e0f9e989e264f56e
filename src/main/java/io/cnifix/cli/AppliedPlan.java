package io.cnifix.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** What an apply's JSON (PlanOutput) says was done, in the words the hook's and watch's logs use. */
final class AppliedPlan {
    private AppliedPlan() {
    }

    /** "opened tcp/8080 -> 10.88.0.2:80 (CNI-FORWARD)" per added rule, "removed RULE" per removal. */
    static List<String> changes(JsonObject j) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(j, "rules")) {
            JsonObject r = e.getAsJsonObject();
            JsonObject f = r.getAsJsonObject("fixes");
            out.add("opened " + f.get("protocol").getAsString() + "/" + f.get("hostPort").getAsInt() + " -> "
                    + f.get("containerIp").getAsString() + ":" + f.get("containerPort").getAsInt() + " (" + r.get("chain").getAsString() + ")");
        }
        for (JsonElement e : array(j, "removals")) {
            JsonObject r = e.getAsJsonObject();
            out.add("removed " + (r.has("text") ? r.get("text").getAsString() : r.toString()));
        }
        return out;
    }

    /** The ports the plan left alone, each with its reason. */
    static List<String> untouched(JsonObject j) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(j, "untouched")) {
            out.add(e.isJsonPrimitive() ? e.getAsString() : e.toString());
        }
        return out;
    }

    static JsonArray array(JsonObject j, String key) {
        JsonElement e = j.get(key);
        return e != null && e.isJsonArray() ? e.getAsJsonArray() : new JsonArray();
    }
}
