package io.cnifix.watch;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.Engine;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the watcher knows of the running containers: each one's own inspect text (reused for every later pass, so a
 * firewall repair asks the engines nothing) and the published ports read from it. Only the watcher's thread uses it.
 */
public final class Containers {
    /** One running container as last inspected. */
    public record Known(Engine engine, String id, String name, InputText inspect, List<PortMapping> mappings) {
        public Known {
            mappings = List.copyOf(mappings);
        }
    }

    private final Map<String, Known> byId = new LinkedHashMap<>();
    private List<InputText> networks = List.of();

    /** Reads one container's {@code inspect} output (a JSON array of one); null when it holds no such container. */
    public static Known fromInspect(Engine engine, String id, InputText inspect) {
        List<PortMapping> mine = new ArrayList<>();
        String name = null;
        for (PortMapping m : PortsReader.read(inspect).mappings()) {
            if (m.containerId().equals(id) || m.containerId().startsWith(id) || id.startsWith(m.containerId())) {
                name = m.containerName();
                if (m.containerIp() != null) {
                    mine.add(m);
                }
            }
        }
        return new Known(engine, fullId(inspect, id), name == null ? shortId(id) : name, inspect, mine);
    }

    /**
     * Splits an inspect array of many containers into one text per container, so that each can later be dropped on
     * its own when that container stops. Elements without an "Id" are skipped.
     */
    public static List<Known> split(Engine engine, InputText inspect) {
        List<Known> out = new ArrayList<>();
        JsonElement root;
        try {
            root = JsonParser.parseString(inspect.content());
        } catch (RuntimeException e) {
            return out;
        }
        if (!root.isJsonArray()) {
            return out;
        }
        for (JsonElement e : root.getAsJsonArray()) {
            if (!e.isJsonObject() || !e.getAsJsonObject().has("Id") || !e.getAsJsonObject().get("Id").isJsonPrimitive()) {
                continue;
            }
            String id = e.getAsJsonObject().get("Id").getAsString();
            JsonArray one = new JsonArray();
            one.add(e);
            out.add(fromInspect(engine, id, new InputText(inspect.name() + " " + shortId(id), one.toString())));
        }
        return out;
    }

    private static String fullId(InputText inspect, String id) {
        try {
            JsonElement root = JsonParser.parseString(inspect.content());
            if (root.isJsonArray() && root.getAsJsonArray().size() == 1 && root.getAsJsonArray().get(0).isJsonObject()) {
                JsonElement i = root.getAsJsonArray().get(0).getAsJsonObject().get("Id");
                if (i != null && i.isJsonPrimitive()) {
                    return i.getAsString();
                }
            }
        } catch (RuntimeException ignored) {
            // keep the id the event gave
        }
        return id;
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    public void put(Known k) {
        byId.put(k.id(), k);
    }

    /** Forgets the container whose id is {@code id} or starts with it (Docker's and Podman's events carry the full id). */
    public Known remove(String id) {
        Known k = byId.remove(id);
        if (k != null) {
            return k;
        }
        for (String full : List.copyOf(byId.keySet())) {
            if (full.startsWith(id)) {
                return byId.remove(full);
            }
        }
        return null;
    }

    /** Replaces everything with a fresh discovery. */
    public void replaceAll(List<Known> all, List<InputText> networks) {
        byId.clear();
        all.forEach(this::put);
        this.networks = List.copyOf(networks);
    }

    public List<Known> all() {
        return List.copyOf(byId.values());
    }

    public List<InputText> inspects() {
        return byId.values().stream().map(Known::inspect).toList();
    }

    public List<InputText> networks() {
        return networks;
    }

    /** Every published port of every known container except {@code id}. */
    public List<PortMapping> mappingsExcept(String id) {
        List<PortMapping> out = new ArrayList<>();
        for (Known k : byId.values()) {
            if (!k.id().equals(id)) {
                out.addAll(k.mappings());
            }
        }
        return out;
    }

    public int size() {
        return byId.size();
    }
}
