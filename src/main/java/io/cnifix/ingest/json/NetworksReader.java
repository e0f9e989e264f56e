package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.model.Cidr;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads network definitions: a CNI {@code .conflist} or single {@code .conf}, a netavark network file or
 * {@code podman network inspect} output, or {@code docker network inspect} output. The format is told from
 * the content, never from the file name.
 */
public final class NetworksReader {
    static final String DEFAULT_CNI_BRIDGE = "cni0";
    static final String DEFAULT_ADMIN_CHAIN = "CNI-ADMIN";

    private NetworksReader() {
    }

    public static List<Network> read(InputText in) {
        return read(JsonDoc.parse(in));
    }

    static List<Network> read(JsonDoc doc) {
        JsonElement root = doc.root;
        List<Network> out = new ArrayList<>();
        if (root.isJsonObject()) {
            JsonObject o = root.getAsJsonObject();
            if (o.has("plugins")) {
                out.add(conflist(doc, o));
            } else if (o.has("type") && !o.has("IPAM")) {
                out.add(singleConf(doc, o));
            } else if (isNetavark(o)) {
                addIfBridge(out, netavark(doc, o, "netavark"));
            } else if (o.has("IPAM")) {
                addIfBridge(out, docker(doc, o));
            } else {
                throw unknown(doc, o);
            }
            return out;
        }
        if (!root.isJsonArray()) {
            throw unknown(doc, root);
        }
        for (JsonElement e : root.getAsJsonArray()) {
            JsonObject o = doc.object(e, "network");
            if (o.has("IPAM")) {
                addIfBridge(out, docker(doc, o));
            } else if (isNetavark(o)) {
                addIfBridge(out, netavark(doc, o, null));
            } else {
                throw unknown(doc, o);
            }
        }
        return out;
    }

    private static InputException unknown(JsonDoc doc, JsonElement at) {
        return doc.error(at, "not a network definition: expected a CNI conflist (\"plugins\"), a CNI .conf (\"type\"),"
                + " a netavark network (\"network_interface\", \"subnets\") or podman/docker network inspect output");
    }

    private static boolean isNetavark(JsonObject o) {
        return o.has("network_interface") || (o.has("driver") && (o.has("subnets") || o.has("name")));
    }

    private static void addIfBridge(List<Network> out, Network n) {
        // macvlan, ipvlan, host and null networks never go through a bridge's FORWARD path.
        if (n != null) {
            out.add(n);
        }
    }

    static Network conflist(JsonDoc doc, JsonObject o) {
        String name = doc.required(o, "name", "conflist");
        JsonArray plugins = doc.array(o.get("plugins"), "conflist.plugins");
        List<JsonObject> list = new ArrayList<>();
        for (JsonElement p : plugins) {
            list.add(doc.object(p, "conflist.plugins[]"));
        }
        return cni(doc, name, list);
    }

    private static Network singleConf(JsonDoc doc, JsonObject o) {
        return cni(doc, doc.required(o, "name", "CNI config"), List.of(o));
    }

    private static Network cni(JsonDoc doc, String name, List<JsonObject> plugins) {
        List<String> types = new ArrayList<>();
        String bridge = null;
        boolean haveMain = false;
        boolean internal = false;
        List<Cidr> subnets = new ArrayList<>();
        List<IpAddress> gateways = new ArrayList<>();
        String fwBackend = null;
        String ingress = null;
        String admin = null;
        for (JsonObject p : plugins) {
            String type = doc.required(p, "type", "CNI plugin");
            types.add(type);
            if (type.equals("firewall") && fwBackend == null) {
                fwBackend = orEmpty(doc.string(p, "backend", "firewall"));
                ingress = orDefault(doc.string(p, "ingressPolicy", "firewall"), "open");
                admin = orDefault(doc.string(p, "iptablesAdminChainName", "firewall"), DEFAULT_ADMIN_CHAIN);
            }
            JsonObject ipam = doc.optObject(p, "ipam", "CNI plugin");
            if (haveMain || ipam == null && !type.equals("bridge")) {
                continue;
            }
            haveMain = true;
            boolean isGateway = doc.bool(p, "isGateway", type, false);
            if (type.equals("bridge")) {
                bridge = orDefault(doc.string(p, "bridge", "bridge"), DEFAULT_CNI_BRIDGE);
                internal = !isGateway && !doc.bool(p, "ipMasq", type, false);
            }
            if (ipam != null) {
                ipam(doc, ipam, subnets, gateways);
            }
        }
        return new Network(name, Engine.PODMAN, "cni", bridge, subnets, gateways, types, fwBackend, ingress, admin,
                internal, doc.name);
    }

    /** host-local ranges, or the older single subnet form; a range without a gateway gets the subnet's first host. */
    private static void ipam(JsonDoc doc, JsonObject ipam, List<Cidr> subnets, List<IpAddress> gateways) {
        JsonArray ranges = doc.optArray(ipam, "ranges", "ipam");
        List<JsonObject> sets = new ArrayList<>();
        if (ranges != null) {
            for (JsonElement set : ranges) {
                for (JsonElement r : doc.array(set, "ipam.ranges[]")) {
                    sets.add(doc.object(r, "ipam.ranges[][]"));
                }
            }
        } else if (ipam.has("subnet")) {
            sets.add(ipam);
        }
        for (JsonObject r : sets) {
            JsonElement s = r.get("subnet");
            if (s == null || s.isJsonNull()) {
                throw doc.error(r, "ipam range: missing \"subnet\"");
            }
            Cidr subnet = doc.cidr(s, "ipam subnet");
            subnets.add(subnet);
            JsonElement g = r.get("gateway");
            IpAddress gw = g == null || g.isJsonNull() || doc.text(g, "ipam gateway").isEmpty()
                    ? firstHost(subnet) : doc.address(g, "ipam gateway");
            if (gw != null && !gateways.contains(gw)) {
                gateways.add(gw);
            }
        }
    }

    private static IpAddress firstHost(Cidr c) {
        IpAddress next = c.base().plus(1);
        return c.contains(next) ? next : null;
    }

    private static Network netavark(JsonDoc doc, JsonObject o, String backend) {
        String name = doc.required(o, "name", "network");
        String driver = doc.string(o, "driver", "network");
        if (driver != null && !driver.equals("bridge")) {
            return null;
        }
        String iface = doc.string(o, "network_interface", "network");
        List<Cidr> subnets = new ArrayList<>();
        List<IpAddress> gateways = new ArrayList<>();
        JsonArray list = doc.optArray(o, "subnets", "network");
        if (list != null) {
            for (JsonElement e : list) {
                JsonObject s = doc.object(e, "network.subnets[]");
                JsonElement sub = s.get("subnet");
                if (sub == null || sub.isJsonNull()) {
                    throw doc.error(s, "network.subnets[]: missing \"subnet\"");
                }
                subnets.add(doc.cidr(sub, "network.subnets[].subnet"));
                String gw = doc.string(s, "gateway", "network.subnets[]");
                if (gw != null && !gw.isEmpty()) {
                    gateways.add(doc.address(s.get("gateway"), "network.subnets[].gateway"));
                }
            }
        }
        // podman network inspect prints this same shape for CNI networks; their bridges are named cni-*.
        String b = backend != null ? backend : iface != null && iface.startsWith("cni") ? "cni" : "netavark";
        return new Network(name, Engine.PODMAN, b, iface == null || iface.isEmpty() ? null : iface, subnets, gateways,
                List.of(), null, null, null, doc.bool(o, "internal", "network", false), doc.name);
    }

    private static Network docker(JsonDoc doc, JsonObject o) {
        String name = doc.required(o, "Name", "docker network");
        String driver = doc.string(o, "Driver", "docker network");
        if (driver != null && !driver.equals("bridge")) {
            return null;
        }
        String bridge = null;
        JsonObject opts = doc.optObject(o, "Options", "docker network");
        if (opts != null) {
            bridge = doc.string(opts, "com.docker.network.bridge.name", "docker network.Options");
        }
        if (bridge == null || bridge.isEmpty()) {
            String id = doc.string(o, "Id", "docker network");
            bridge = id == null || id.length() < 12 ? null : "br-" + id.substring(0, 12);
        }
        List<Cidr> subnets = new ArrayList<>();
        List<IpAddress> gateways = new ArrayList<>();
        JsonObject ipamObj = doc.optObject(o, "IPAM", "docker network");
        JsonArray config = ipamObj == null ? null : doc.optArray(ipamObj, "Config", "docker network.IPAM");
        if (config != null) {
            for (JsonElement e : config) {
                JsonObject c = doc.object(e, "IPAM.Config[]");
                String s = doc.string(c, "Subnet", "IPAM.Config[]");
                if (s != null && !s.isEmpty()) {
                    subnets.add(doc.cidr(c.get("Subnet"), "IPAM.Config[].Subnet"));
                }
                String g = doc.string(c, "Gateway", "IPAM.Config[]");
                if (g != null && !g.isEmpty()) {
                    // Some old daemons printed the gateway with its prefix length.
                    gateways.add(g.indexOf('/') < 0 ? doc.address(c.get("Gateway"), "IPAM.Config[].Gateway")
                            : hostOf(doc, c.get("Gateway"), g));
                }
            }
        }
        return new Network(name, Engine.DOCKER, "docker", bridge, subnets, gateways, List.of(), null, null, null,
                doc.bool(o, "Internal", "docker network", false), doc.name);
    }

    private static IpAddress hostOf(JsonDoc doc, JsonElement at, String withPrefix) {
        doc.cidr(at, "IPAM.Config[].Gateway");
        return doc.address(withPrefix.substring(0, withPrefix.indexOf('/')), at, "IPAM.Config[].Gateway");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String orDefault(String s, String dflt) {
        return s == null || s.isEmpty() ? dflt : s;
    }
}
