package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads published ports from {@code podman ps --format json}, {@code podman inspect}, {@code docker inspect}
 * or a CNI result cache file. The format is told from the content:
 * <ul>
 * <li>an object with {@code "kind": "cniCacheV1"}: CNI result cache;</li>
 * <li>an array (or a single object) of containers with {@code NetworkSettings}: an inspect; it is Podman's when
 * the element has {@code OCIRuntime}, {@code ConmonPidFile} or {@code OCIConfigPath}, Docker's otherwise;</li>
 * <li>an array of containers with {@code Names}/{@code Ports} but no {@code NetworkSettings}: podman ps.</li>
 * </ul>
 * An array goes through PortsStream first, which reads it without a tree; what it is not sure of (every error
 * included) is read here through JsonDoc.
 */
public final class PortsReader {
    /** More than this many expanded mappings in one file is taken as bad input, not as a host. */
    static final int MAX_MAPPINGS = 200_000;

    private PortsReader() {
    }

    /** What one ports file says: containers, their published ports, and any networks it describes. */
    public record PortsDocument(List<Container> containers, List<PortMapping> mappings, List<Network> networks) {
        public PortsDocument {
            containers = List.copyOf(containers);
            mappings = List.copyOf(mappings);
            networks = List.copyOf(networks);
        }
    }

    public static PortsDocument read(InputText in) {
        PortsDocument fast = PortsStream.read(in.name(), in.content() == null ? "" : in.content());
        return fast != null ? fast : readTree(in);
    }

    /** Through JsonDoc's tree: every document PortsStream leaves, and every error with its line. */
    static PortsDocument readTree(InputText in) {
        JsonDoc doc = JsonDoc.parse(in);
        Sink sink = new Sink(doc.name);
        JsonElement root = doc.root;
        if (root.isJsonObject()) {
            JsonObject o = root.getAsJsonObject();
            if (o.has("kind")) {
                String kind = doc.string(o, "kind", "document");
                if (!"cniCacheV1".equals(kind)) {
                    throw doc.error(o, "unknown document kind \"" + JsonDoc.cut(String.valueOf(kind))
                            + "\": expected a CNI result cache (\"cniCacheV1\")");
                }
                CniCache.read(doc, o, sink);
            } else if (o.has("NetworkSettings")) {
                container(doc, o, sink);
            } else {
                throw unknown(doc, o);
            }
        } else if (root.isJsonArray()) {
            for (JsonElement e : root.getAsJsonArray()) {
                container(doc, doc.object(e, "container"), sink);
            }
        } else {
            throw unknown(doc, root);
        }
        return new PortsDocument(sink.containers, sink.mappings, sink.networks);
    }

    private static InputException unknown(JsonDoc doc, JsonElement at) {
        return doc.error(at, "not a ports document: expected podman ps --format json, podman inspect or"
                + " docker inspect output (a JSON array of containers) or a CNI result cache file");
    }

    private static void container(JsonDoc doc, JsonObject o, Sink sink) {
        if (o.has("NetworkSettings")) {
            boolean podman = o.has("OCIRuntime") || o.has("ConmonPidFile") || o.has("OCIConfigPath");
            Inspect.read(doc, o, podman ? Engine.PODMAN : Engine.DOCKER, sink);
        } else if (o.has("Names") || o.has("Ports")) {
            JsonElement ports = o.get("Ports");
            if (ports != null && ports.isJsonPrimitive()) {
                throw doc.error(ports, "Ports is a string: this looks like docker ps output, which has no"
                        + " container addresses; give docker inspect output instead");
            }
            podmanPs(doc, o, sink);
        } else if (o.has("IPAM") || o.has("network_interface") || o.has("plugins")) {
            throw doc.error(o, "this is a network definition, not a container: pass it as a network file");
        } else {
            throw doc.error(o, "not a container: expected an element of podman ps --format json (Id, Names, Ports)"
                    + " or of podman/docker inspect (Id, NetworkSettings)");
        }
    }

    /** A container's {@code Labels} object (null or missing: none); a value that is not text is bad input. */
    static java.util.Map<String, String> labels(JsonDoc doc, JsonObject o, String what) {
        JsonObject l = doc.optObject(o, "Labels", what);
        if (l == null) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, JsonElement> e : l.entrySet()) {
            if (e.getValue() == null || e.getValue().isJsonNull()) {
                continue;
            }
            if (!e.getValue().isJsonPrimitive()) {
                throw doc.error(e.getValue(), what + ": label " + JsonDoc.cut(e.getKey()) + " is not text");
            }
            out.put(e.getKey(), e.getValue().getAsString());
        }
        return out;
    }

    private static void podmanPs(JsonDoc doc, JsonObject o, Sink sink) {
        String id = doc.required(o, "Id", "container");
        String name = firstName(doc, o, id);
        List<String> networks = strings(doc, o, "Networks");
        String network = networks.size() == 1 ? networks.get(0) : null;
        String image = o.has("Image") && o.get("Image").isJsonPrimitive() ? o.get("Image").getAsString() : null;
        sink.containers.add(new Container(id, name, Engine.PODMAN, networks, null, false, doc.name,
                labels(doc, o, "container " + JsonDoc.cut(name)), image, null));
        JsonArray ports = doc.optArray(o, "Ports", "container " + JsonDoc.cut(name));
        if (ports == null) {
            return;
        }
        for (JsonElement e : ports) {
            JsonObject p = doc.object(e, "Ports[]");
            String hostIp = doc.string(p, "host_ip", "Ports[]");
            int hostPort = doc.port(p, "host_port", "Ports[].host_port");
            int ctrPort = doc.port(p, "container_port", "Ports[].container_port");
            JsonElement r = p.get("range");
            // Podman writes 0 for a single port in some versions; both mean one port.
            int range = r == null || r.isJsonNull() ? 1 : Math.max(1, (int) doc.integer(r, "Ports[].range", 0, 65535));
            if (hostPort + range - 1 > 65535 || ctrPort + range - 1 > 65535) {
                throw doc.error(p, "Ports[]: range " + range + " from " + Math.min(hostPort, ctrPort)
                        + " runs past port 65535");
            }
            List<String> protocols = Bind.protocols(doc, p.get("protocol"), "Ports[].protocol");
            Bind bind = Bind.of(doc, p.get("host_ip"), hostIp, true);
            for (String proto : protocols) {
                for (int i = 0; i < range; i++) {
                    sink.add(new PortMapping(id, name, Engine.PODMAN, network, proto, bind.hostIp(), hostPort + i,
                            null, ctrPort + i, doc.name));
                }
            }
        }
    }

    static String firstName(JsonDoc doc, JsonObject o, String id) {
        List<String> names = strings(doc, o, "Names");
        String name = names.isEmpty() ? doc.string(o, "Name", "container") : names.get(0);
        return cleanName(name, id);
    }

    static String cleanName(String name, String id) {
        if (name != null && name.startsWith("/")) {
            name = name.substring(1);
        }
        return name == null || name.isEmpty() ? shortId(id) : name;
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** An array of strings, or an empty list when absent or null. */
    static List<String> strings(JsonDoc doc, JsonObject o, String key) {
        JsonArray a = doc.optArray(o, key, "container");
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (JsonElement e : a) {
                out.add(doc.text(e, key + "[]"));
            }
        }
        return out;
    }

    /** Collects results and stops a document that expands to an absurd number of mappings. */
    static final class Sink {
        final String name;
        final List<Container> containers = new ArrayList<>();
        final List<PortMapping> mappings = new ArrayList<>();
        final List<Network> networks = new ArrayList<>();

        Sink(String name) {
            this.name = name;
        }

        void add(PortMapping m) {
            if (mappings.size() >= MAX_MAPPINGS) {
                throw new InputException(name, 0, "more than " + MAX_MAPPINGS + " port mappings in one file");
            }
            mappings.add(m);
        }
    }
}
