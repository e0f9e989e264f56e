package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.cnifix.ingest.InputText;
import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Route;

import java.util.ArrayList;
import java.util.List;

/** Reads {@code ip -j address} and {@code ip [-6] -j route [show table all]} output. */
public final class IpJsonReader {
    private IpJsonReader() {
    }

    public static List<HostAddress> addresses(InputText in) {
        JsonDoc doc = JsonDoc.parse(in);
        List<HostAddress> out = new ArrayList<>();
        for (JsonElement e : doc.array(doc.root, "ip -j address output")) {
            JsonObject link = doc.object(e, "interface");
            JsonArray infos = doc.optArray(link, "addr_info", "interface");
            if (infos == null || infos.isEmpty()) {
                continue; // also skips the empty {} entries some iproute2 versions print
            }
            String iface = doc.required(link, "ifname", "interface");
            for (JsonElement ai : infos) {
                JsonObject a = doc.object(ai, "addr_info[]");
                String fam = doc.string(a, "family", "addr_info[]");
                JsonElement local = a.get("local");
                if (local == null || local.isJsonNull() || !("inet".equals(fam) || "inet6".equals(fam))) {
                    continue;
                }
                IpAddress ip = doc.address(local, "addr_info[].local");
                Family f = "inet".equals(fam) ? Family.V4 : Family.V6;
                if (ip.family() != f) {
                    throw doc.error(local, "addr_info[]: address " + ip + " is not of family " + fam);
                }
                JsonElement len = a.get("prefixlen");
                int prefix = len == null || len.isJsonNull() ? f.bits()
                        : (int) doc.integer(len, "addr_info[].prefixlen", 0, f.bits());
                out.add(new HostAddress(iface, ip, prefix));
            }
        }
        return out;
    }

    /**
     * Routes; a "default" destination takes its family from the route's gateway or source, else from the other
     * routes of the document, else IPv4 (plain {@code ip -j route}). Use {@link #routes(InputText, Family)} when
     * the caller knows which command produced the text.
     */
    public static List<Route> routes(InputText in) {
        return routes(in, null);
    }

    public static List<Route> routes(InputText in, Family family) {
        JsonDoc doc = JsonDoc.parse(in);
        JsonArray list = doc.array(doc.root, "ip -j route output");
        Family dflt = family != null ? family : documentFamily(doc, list);
        List<Route> out = new ArrayList<>();
        for (JsonElement e : list) {
            out.add(route(doc, doc.object(e, "route"), dflt));
        }
        return out;
    }

    private static Route route(JsonDoc doc, JsonObject r, Family dflt) {
        JsonElement dstEl = r.get("dst");
        String dst = dstEl == null || dstEl.isJsonNull() ? null : doc.text(dstEl, "route.dst");
        if (dst == null || dst.isEmpty()) {
            throw doc.error(r, "route: missing \"dst\"");
        }
        JsonObject hop = r;
        JsonArray nexthops = doc.optArray(r, "nexthops", "route");
        if (!r.has("gateway") && !r.has("dev") && nexthops != null && !nexthops.isEmpty()) {
            hop = doc.object(nexthops.get(0), "route.nexthops[]"); // the model keeps one next hop
        }
        IpAddress gateway = gateway(doc, hop);
        Cidr destination;
        if (dst.equals("default")) {
            // A "via inet6" next hop may serve an IPv4 route, so only a plain gateway tells the family.
            Family f = ownFamily(doc, r);
            if (f == null && gateway != null && hop.has("gateway")) {
                f = gateway.family();
            }
            destination = Cidr.all(f != null ? f : dflt);
        } else {
            destination = doc.cidr(dstEl, "route.dst");
        }
        String type = doc.string(r, "type", "route");
        String dev = doc.string(hop, "dev", "route");
        String table = doc.string(r, "table", "route");
        JsonElement metric = r.get("metric");
        long m = metric == null || metric.isJsonNull() ? 0 : doc.integer(metric, "route.metric", 0, 0xffffffffL);
        return new Route(destination, type == null || type.isEmpty() ? "unicast" : type, dev == null || dev.isEmpty()
                ? null : dev, gateway, (int) Math.min(m, Integer.MAX_VALUE), table == null || table.isEmpty()
                ? "main" : table);
    }

    private static IpAddress gateway(JsonDoc doc, JsonObject hop) {
        JsonElement g = hop.get("gateway");
        if (g != null && !g.isJsonNull()) {
            return doc.address(g, "route.gateway");
        }
        JsonObject via = doc.optObject(hop, "via", "route");
        if (via != null && via.has("host")) {
            return doc.address(via.get("host"), "route.via.host");
        }
        return null;
    }

    /** The family a route's own fields show (prefsrc or a non-default dst), or null. */
    private static Family ownFamily(JsonDoc doc, JsonObject r) {
        for (String key : List.of("prefsrc", "dst")) {
            JsonElement e = r.get(key);
            if (e != null && e.isJsonPrimitive() && !e.getAsJsonPrimitive().isBoolean()) {
                String s = e.getAsString();
                if (!s.equals("default") && !s.isEmpty()) {
                    return s.indexOf(':') >= 0 ? Family.V6 : Family.V4;
                }
            }
        }
        return null;
    }

    private static Family documentFamily(JsonDoc doc, JsonArray list) {
        for (JsonElement e : list) {
            if (e.isJsonObject()) {
                JsonObject r = e.getAsJsonObject();
                Family f = ownFamily(doc, r);
                if (f == null && r.get("gateway") != null && r.get("gateway").isJsonPrimitive()) {
                    f = r.get("gateway").getAsString().indexOf(':') >= 0 ? Family.V6 : Family.V4;
                }
                if (f != null) {
                    return f;
                }
            }
        }
        return Family.V4;
    }
}
