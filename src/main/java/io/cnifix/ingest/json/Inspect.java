package io.cnifix.ingest.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One element of {@code podman inspect} or {@code docker inspect}. Podman forwards a published port on every
 * network the container is on; Docker programs it on one endpoint only, so for Docker the network with the
 * highest {@code GwPriority} (the gateway endpoint since 28.0; first in the document on a tie) is used.
 */
final class Inspect {
    private static final List<String> ROOTLESS_MODES = List.of("slirp4netns", "pasta", "rootlessport");

    private Inspect() {
    }

    /** A container address and the network it is on (null when only the legacy top-level field gave it). */
    record Addr(String network, IpAddress ip) {
    }

    static void read(JsonDoc doc, JsonObject o, Engine engine, PortsReader.Sink sink) {
        String id = doc.required(o, "Id", "container");
        String name = PortsReader.cleanName(doc.string(o, "Name", "container"), id);
        String what = "container " + JsonDoc.cut(name);
        JsonObject hostConfig = doc.optObject(o, "HostConfig", what);
        String mode = hostConfig == null ? null : doc.string(hostConfig, "NetworkMode", what + ".HostConfig");
        JsonObject settings = doc.optObject(o, "NetworkSettings", what);
        List<String> networkNames = new ArrayList<>();
        List<Addr> addrs = settings == null ? List.of() : addresses(doc, settings, engine, networkNames, what);
        boolean rootless = engine == Engine.PODMAN && mode != null && isRootlessMode(mode);
        JsonObject config = doc.optObject(o, "Config", what);
        String image = config == null ? null : doc.string(config, "Image", what + ".Config");
        if (o.has("ImageName") && o.get("ImageName").isJsonPrimitive()) {
            image = o.get("ImageName").getAsString(); // podman: the name the user ran, Config.Image may be an id
        }
        java.util.Map<String, String> labels = config == null ? Map.of() : PortsReader.labels(doc, config, what + ".Config");
        sink.containers.add(new Container(id, name, engine, networkNames, mode, rootless, doc.name, labels, image, null));
        JsonObject ports = settings == null ? null : doc.optObject(settings, "Ports", what + ".NetworkSettings");
        if (ports == null) {
            return;
        }
        Set<List<Object>> seen = new HashSet<>();
        for (Map.Entry<String, JsonElement> port : ports.entrySet()) {
            JsonElement bindings = port.getValue();
            if (bindings == null || bindings.isJsonNull()) {
                continue; // exposed, not published
            }
            int slash = port.getKey().indexOf('/');
            String portText = slash < 0 ? port.getKey() : port.getKey().substring(0, slash);
            String proto = slash < 0 ? "tcp" : port.getKey().substring(slash + 1).toLowerCase(Locale.ROOT);
            if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
                throw doc.error(bindings, what + ": port key \"" + JsonDoc.cut(port.getKey())
                        + "\" is not <port>/<tcp|udp|sctp>");
            }
            int ctrPort = keyPort(doc, bindings, portText, port.getKey(), what);
            JsonArray list = doc.array(bindings, what + ": Ports[\"" + JsonDoc.cut(port.getKey()) + "\"]");
            for (JsonElement b : list) {
                JsonObject bo = doc.object(b, "port binding");
                String hostPortText = doc.string(bo, "HostPort", "port binding");
                if (hostPortText == null || hostPortText.isEmpty()) {
                    continue; // routed mode: nothing is published on the host
                }
                int hostPort = doc.port(bo, "HostPort", "port binding HostPort");
                Bind bind = Bind.of(doc, bo.get("HostIp"), doc.string(bo, "HostIp", "port binding"),
                        engine == Engine.PODMAN);
                emit(sink, seen, id, name, engine, proto, bind, hostPort, ctrPort, addrs);
            }
        }
    }

    private static int keyPort(JsonDoc doc, JsonElement at, String text, String key, String what) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw doc.error(at, what + ": port key \"" + JsonDoc.cut(key) + "\" is not <port>/<protocol>");
        }
        int p = Integer.parseInt(text);
        if (p < 1 || p > 65535) {
            throw doc.error(at, what + ": port " + p + " in \"" + JsonDoc.cut(key) + "\" is out of range (1 to 65535)");
        }
        return p;
    }

    static void emit(PortsReader.Sink sink, Set<List<Object>> seen, String id, String name, Engine engine,
                             String proto, Bind bind, int hostPort, int ctrPort, List<Addr> addrs) {
        List<Addr> targets = addrs.isEmpty() ? List.of(new Addr(null, null)) : addrs;
        boolean served = false;
        for (Addr a : targets) {
            served |= bind.appliesTo(a.ip());
        }
        for (Addr a : targets) {
            // A wildcard of the other family (Docker's :: for an IPv4-only container) is docker-proxy's alone and
            // comes with its own-family twin; a specific address of the other family (::1, 2001:db8::5) is the
            // only way in, through docker-proxy: keep it, to be judged by that family's INPUT rules.
            if (!bind.appliesTo(a.ip()) && (served || bind.hostIp() == null || a != targets.get(0))) {
                continue;
            }
            List<Object> key = new ArrayList<>();
            key.add(a.network());
            key.add(a.ip() == null ? null : a.ip().family());
            key.add(proto);
            key.add(bind.hostIp());
            key.add(hostPort);
            key.add(ctrPort);
            if (seen.add(key)) {
                sink.add(new PortMapping(id, name, engine, a.network(), proto, bind.hostIp(), hostPort, a.ip(), ctrPort,
                        sink.name));
            }
        }
    }

    private static List<Addr> addresses(JsonDoc doc, JsonObject settings, Engine engine, List<String> networkNames,
                                        String what) {
        List<Addr> out = new ArrayList<>();
        JsonObject networks = doc.optObject(settings, "Networks", what + ".NetworkSettings");
        long bestPriority = Long.MIN_VALUE;
        if (networks != null) {
            for (Map.Entry<String, JsonElement> n : networks.entrySet()) {
                networkNames.add(n.getKey());
                if (n.getValue() == null || n.getValue().isJsonNull()) {
                    continue;
                }
                JsonObject ep = doc.object(n.getValue(), what + ": network " + JsonDoc.cut(n.getKey()));
                List<Addr> mine = endpointAddrs(doc, ep, n.getKey());
                if (mine.isEmpty()) {
                    continue;
                }
                if (engine == Engine.PODMAN) {
                    out.addAll(mine);
                    continue;
                }
                JsonElement gp = ep.get("GwPriority");
                long priority = gp == null || gp.isJsonNull() ? 0
                        : doc.integer(gp, "GwPriority", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
                if (priority > bestPriority) {
                    bestPriority = priority;
                    out.clear();
                    out.addAll(mine);
                }
            }
        }
        if (out.isEmpty()) {
            // Only the legacy top-level fields (Docker < 29 copies them from the "bridge" network).
            out.addAll(endpointAddrs(doc, settings, engine == Engine.DOCKER && networks == null ? "bridge" : null));
        }
        return out;
    }

    private static List<Addr> endpointAddrs(JsonDoc doc, JsonObject ep, String network) {
        List<Addr> out = new ArrayList<>();
        for (String key : List.of("IPAddress", "GlobalIPv6Address")) {
            String s = doc.string(ep, key, "network settings");
            if (s != null && !s.isEmpty()) {
                out.add(new Addr(network, doc.address(ep.get(key), key)));
            }
        }
        return out;
    }

    static boolean isRootlessMode(String mode) {
        for (String m : ROOTLESS_MODES) {
            if (mode.equals(m) || mode.startsWith(m + ":")) {
                return true;
            }
        }
        return false;
    }
}
