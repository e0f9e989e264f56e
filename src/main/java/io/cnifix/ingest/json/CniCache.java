package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A libcni result cache file ({@code /var/lib/cni/results/<net>-<id>-<if>}). It names the container, its
 * published ports (the portmap capability arguments) and its addresses, and embeds the network's conflist,
 * so it also yields the network.
 */
final class CniCache {
    private CniCache() {
    }

    private record Ip(Cidr net, IpAddress address, IpAddress gateway) {
    }

    static void read(JsonDoc doc, JsonObject o, PortsReader.Sink sink) {
        String id = doc.required(o, "containerId", "CNI cache");
        String netName = doc.required(o, "networkName", "CNI cache");
        String name = podName(doc, o);
        if (name == null || name.isEmpty()) {
            name = PortsReader.shortId(id);
        }
        JsonObject result = doc.optObject(o, "result", "CNI cache");
        List<Ip> ips = result == null ? List.of() : ips(doc, result);
        String bridge = result == null ? null : bridge(doc, result);
        sink.containers.add(new Container(id, name, Engine.PODMAN, List.of(netName), "bridge", false, doc.name));
        sink.networks.add(network(doc, o, netName, bridge, ips));

        JsonObject caps = doc.optObject(o, "capabilityArgs", "CNI cache");
        JsonArray maps = caps == null ? null : doc.optArray(caps, "portMappings", "CNI cache.capabilityArgs");
        if (maps == null) {
            return;
        }
        Set<List<Object>> seen = new HashSet<>();
        for (JsonElement e : maps) {
            JsonObject m = doc.object(e, "portMappings[]");
            int hostPort = doc.port(m, "hostPort", "portMappings[].hostPort");
            int ctrPort = doc.port(m, "containerPort", "portMappings[].containerPort");
            List<String> protos = Bind.protocols(doc, m.get("protocol"), "portMappings[].protocol");
            Bind bind = Bind.of(doc, m.get("hostIP"), doc.string(m, "hostIP", "portMappings[]"), false);
            List<IpAddress> targets = new ArrayList<>();
            for (Ip ip : ips) {
                targets.add(ip.address());
            }
            if (targets.isEmpty()) {
                targets.add(null);
            }
            for (String proto : protos) {
                for (IpAddress ip : targets) {
                    // portmap skips an entry whose host address family differs from the container address.
                    if (bind.appliesTo(ip) && seen.add(Arrays.asList(proto, bind.hostIp(), hostPort, ip, ctrPort))) {
                        sink.add(new PortMapping(id, name, Engine.PODMAN, netName, proto, bind.hostIp(), hostPort, ip,
                                ctrPort, doc.name));
                    }
                }
            }
        }
    }

    private static String podName(JsonDoc doc, JsonObject o) {
        JsonArray args = doc.optArray(o, "cniArgs", "CNI cache");
        if (args == null) {
            return null;
        }
        for (JsonElement e : args) {
            JsonArray pair = doc.array(e, "cniArgs[]");
            if (pair.size() != 2) {
                throw doc.error(pair, "cniArgs[]: expected a [name, value] pair");
            }
            if ("K8S_POD_NAME".equals(doc.text(pair.get(0), "cniArgs[][0]"))) {
                return doc.text(pair.get(1), "cniArgs[][1]");
            }
        }
        return null;
    }

    /** Addresses from a 0.3+ result ("ips") or a 0.2 one ("ip4"/"ip6"). */
    private static List<Ip> ips(JsonDoc doc, JsonObject result) {
        List<JsonObject> entries = new ArrayList<>();
        JsonArray list = doc.optArray(result, "ips", "result");
        if (list != null) {
            for (JsonElement e : list) {
                entries.add(doc.object(e, "result.ips[]"));
            }
        }
        for (String old : List.of("ip4", "ip6")) {
            JsonObject v = doc.optObject(result, old, "result");
            if (v != null) {
                entries.add(v);
            }
        }
        List<Ip> out = new ArrayList<>();
        for (JsonObject ip : entries) {
            JsonElement a = ip.has("address") ? ip.get("address") : ip.get("ip");
            if (a == null || a.isJsonNull()) {
                throw doc.error(ip, "result IP: missing \"address\"");
            }
            String text = doc.text(a, "result IP address");
            Cidr net = doc.cidr(a, "result IP address");
            IpAddress addr = text.indexOf('/') < 0 ? net.base()
                    : doc.address(text.substring(0, text.indexOf('/')), a, "result IP address");
            JsonElement g = ip.get("gateway");
            IpAddress gw = g == null || g.isJsonNull() || doc.text(g, "gateway").isEmpty() ? null
                    : doc.address(g, "result IP gateway");
            out.add(new Ip(net, addr, gw));
        }
        return out;
    }

    /** The bridge plugin lists the bridge first, then the host veth, then the container interface. */
    private static String bridge(JsonDoc doc, JsonObject result) {
        JsonArray ifs = doc.optArray(result, "interfaces", "result");
        if (ifs == null || ifs.isEmpty()) {
            return null;
        }
        JsonObject first = doc.object(ifs.get(0), "result.interfaces[]");
        String sandbox = doc.string(first, "sandbox", "result.interfaces[]");
        String n = doc.string(first, "name", "result.interfaces[]");
        return sandbox != null && !sandbox.isEmpty() || n == null || n.isEmpty() ? null : n;
    }

    private static Network network(JsonDoc doc, JsonObject o, String netName, String bridge, List<Ip> ips) {
        List<Cidr> subnets = new ArrayList<>();
        List<IpAddress> gateways = new ArrayList<>();
        for (Ip ip : ips) {
            if (!subnets.contains(ip.net())) {
                subnets.add(ip.net());
            }
            if (ip.gateway() != null && !gateways.contains(ip.gateway())) {
                gateways.add(ip.gateway());
            }
        }
        Network conf = config(doc, o);
        if (conf == null) {
            return new Network(netName, Engine.PODMAN, "cni", bridge, subnets, gateways, List.of(), null, null, null,
                    false, doc.name);
        }
        // The result names the bridge that exists; the conflist may only have had the default.
        return new Network(netName, Engine.PODMAN, "cni", bridge != null ? bridge : conf.bridge(),
                conf.subnets().isEmpty() ? subnets : conf.subnets(), conf.gateways().isEmpty() ? gateways : conf.gateways(),
                conf.plugins(), conf.firewallBackend(), conf.ingressPolicy(), conf.adminChain(), conf.internal(), doc.name);
    }

    private static Network config(JsonDoc doc, JsonObject o) {
        JsonElement c = o.get("config");
        if (c == null || c.isJsonNull()) {
            return null;
        }
        String b64 = doc.text(c, "CNI cache.config");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw doc.error(c, "CNI cache.config: not base64 (expected the network's conflist, base64-encoded)");
        }
        JsonDoc inner = JsonDoc.parse(doc.name + " (config)", new String(bytes, StandardCharsets.UTF_8));
        List<Network> nets = NetworksReader.read(inner);
        return nets.isEmpty() ? null : nets.get(0);
    }
}
