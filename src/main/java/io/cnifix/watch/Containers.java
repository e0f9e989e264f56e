package io.cnifix.watch;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.PortsReader;
import com.google.gson.JsonObject;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
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

    /**
     * A started container as the engine's DNAT rules and its start event describe it, written as the one-element
     * {@code podman inspect} array every later pass reads (Id, Name, ImageName, Config.Labels, NetworkSettings): so
     * the apply plans it exactly as it would from the engine's answer. Null when the mappings cannot be written that
     * way (Podman publishes every port on every address of the container, so they must be ports times addresses);
     * the text is read back and must give the same mappings.
     */
    public static Known fromRules(String id, String name, WatchEvent.About about, List<PortMapping> mappings) {
        if (mappings.isEmpty() || about == null) {
            return null;
        }
        Map<String, IpAddress> byFamily = new LinkedHashMap<>();
        java.util.Set<String> networks = new java.util.LinkedHashSet<>();
        for (PortMapping m : mappings) {
            if (m.containerIp() == null || !m.containerIp().equals(byFamily.computeIfAbsent(m.containerIp().family().name(), f -> m.containerIp()))) {
                return null; // two addresses of one family: which ports go where is not a product
            }
            networks.add(m.network());
        }
        JsonObject ports = new JsonObject();
        for (PortMapping m : mappings) {
            String key = m.containerPort() + "/" + m.protocol();
            if (!ports.has(key)) {
                ports.add(key, new JsonArray());
            }
            JsonObject b = new JsonObject();
            b.addProperty("HostIp", m.hostIp() == null ? "" : m.hostIp().toString());
            b.addProperty("HostPort", String.valueOf(m.hostPort()));
            if (!ports.getAsJsonArray(key).contains(b)) {
                ports.getAsJsonArray(key).add(b);
            }
        }
        JsonObject endpoint = new JsonObject();
        IpAddress v4 = byFamily.get(io.cnifix.model.Family.V4.name());
        IpAddress v6 = byFamily.get(io.cnifix.model.Family.V6.name());
        endpoint.addProperty("IPAddress", v4 == null ? "" : v4.toString());
        endpoint.addProperty("GlobalIPv6Address", v6 == null ? "" : v6.toString());
        JsonObject settings = endpoint.deepCopy();
        settings.add("Ports", ports);
        String network = networks.size() == 1 ? networks.iterator().next() : null;
        if (network != null) {
            JsonObject nets = new JsonObject();
            nets.add(network, endpoint);
            settings.add("Networks", nets);
        }
        JsonObject labels = new JsonObject();
        about.labels().forEach(labels::addProperty);
        JsonObject config = new JsonObject();
        config.add("Labels", labels);
        if (about.image() != null) {
            config.addProperty("Image", about.image());
        }
        JsonObject c = new JsonObject();
        c.addProperty("Id", mappings.get(0).containerId());
        c.addProperty("Name", name == null ? shortId(id) : name);
        if (about.image() != null) {
            c.addProperty("ImageName", about.image());
        }
        c.addProperty("OCIRuntime", ""); // what marks an inspect as Podman's; the runtime is not known here
        c.add("Config", config);
        JsonObject host = new JsonObject();
        host.addProperty("NetworkMode", "bridge"); // the engine's DNAT rules: kernel forwarding, not rootless
        c.add("HostConfig", host);
        c.add("NetworkSettings", settings);
        JsonArray one = new JsonArray();
        one.add(c);
        Known k;
        try {
            k = fromInspect(Engine.PODMAN, id, new InputText("podman's DNAT rules for " + shortId(id), one.toString()));
        } catch (RuntimeException e) {
            return null;
        }
        return sameMappings(k.mappings(), mappings) ? k : null;
    }

    /** The same published ports to the same addresses (whatever source and network name each side gives). */
    public static boolean sameMappings(List<PortMapping> a, List<PortMapping> b) {
        return keys(a).equals(keys(b));
    }

    private static java.util.Set<List<Object>> keys(List<PortMapping> ms) {
        java.util.Set<List<Object>> out = new java.util.HashSet<>();
        for (PortMapping m : ms) {
            out.add(java.util.Arrays.asList(m.protocol(), m.hostIp(), m.hostPort(), m.containerIp(), m.containerPort()));
        }
        return out;
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
