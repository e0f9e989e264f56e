package io.cnifix.ingest.json;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fast way through the usual ports document, a JSON array of {@code podman ps --format json} or podman/docker
 * inspect elements: gson's streaming reader straight into containers and mappings, with no tree of the document
 * (on a 2,000-container host the tree and its line bookkeeping cost more than everything else in reading ports).
 * It reads only what it is sure of: at anything else (a syntax or shape error, a repeated key, a value of a type the
 * tools do not write) it gives up, and PortsReader reads the document again through JsonDoc, which owns every error
 * message and its line. So for any document it returns either nothing or exactly what the full reader returns;
 * every check the full reader makes is made here too, and any rule of theirs changed there must change here.
 */
final class PortsStream {
    private PortsStream() {
    }

    /** Gives the document back to the full reader; carries no stack trace, since it is not an error. */
    private static final class Unsure extends Exception {
        private static final long serialVersionUID = 1L;

        Unsure() {
            super(null, null, false, false);
        }
    }

    private static final Unsure UNSURE = new Unsure();

    /** The document's containers and mappings, or null when the full reader must read it. */
    static PortsReader.PortsDocument read(String name, String content) {
        // as JsonDoc: a byte-order mark from an editor is not part of the document
        String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        if (!isArray(text)) {
            return null;
        }
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        PortsReader.Sink sink = new PortsReader.Sink(name);
        try {
            r.beginArray();
            while (r.peek() != JsonToken.END_ARRAY) {
                if (r.peek() != JsonToken.BEGIN_OBJECT) {
                    return null;
                }
                element(r).emit(sink);
            }
            r.endArray();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                return null;
            }
        } catch (Unsure | IOException | RuntimeException e) {
            // IOException: malformed JSON; RuntimeException: a token of another kind than asked for (gson's
            // IllegalStateException). Either way the tree reader reads it again and says what is wrong, and where.
            return null;
        }
        return new PortsReader.PortsDocument(sink.containers, sink.mappings, sink.networks);
    }

    private static boolean isArray(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return c == '[';
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // reading: every member the full reader looks at, gathered before the element's kind is known

    /** One podman ps port entry. */
    private record PsPort(String hostIp, int hostPort, int ctrPort, int range, String protocol) {
    }

    /** One host binding of an inspect port key; hostPort is the text (empty or missing: not published). */
    private record Binding(String hostIp, String hostPort) {
    }

    /** An inspect port key and its bindings (null: exposed, not published). */
    private record PortKey(String key, List<Binding> bindings) {
    }

    /** An inspect network endpoint; gwPriority is its text, or null when absent or null. */
    private record Endpoint(String ip, String ipv6, String gwPriority) {
    }

    /** An array element: podman ps or inspect, decided once all of it is read. */
    private static final class Element {
        /** The members read so far, one bit each (see element): a repeated one is left to the full reader. */
        int seen;
        String id;
        String name;
        List<String> names;
        List<String> networks;
        boolean imageIsText;
        String image;
        boolean imageNameIsText;
        String imageName;
        Map<String, String> labels;
        List<PsPort> ports;
        boolean hasSettings;
        boolean hasEngineKeys;
        boolean podmanKeys;
        // NetworkSettings
        boolean settingsObject;
        LinkedHashMap<String, Endpoint> endpoints;
        List<PortKey> portKeys;
        String settingsIp;
        String settingsIpv6;
        // HostConfig and Config
        String mode;
        boolean config;
        String configImage;
        Map<String, String> configLabels;

        void emit(PortsReader.Sink sink) throws Unsure {
            if (hasSettings) {
                inspect(this, podmanKeys ? Engine.PODMAN : Engine.DOCKER, sink);
            } else if ((seen & (NAMES | PORTS)) != 0) {
                podmanPs(this, sink);
            } else {
                throw UNSURE; // not a container: the full reader says what it is
            }
        }
    }

    private static final int ID = 1;
    private static final int NAME = 1 << 1;
    private static final int NAMES = 1 << 2;
    private static final int NETWORKS = 1 << 3;
    private static final int IMAGE = 1 << 4;
    private static final int IMAGE_NAME = 1 << 5;
    private static final int LABELS = 1 << 6;
    private static final int PORTS = 1 << 7;
    private static final int SETTINGS = 1 << 8;
    private static final int HOST_CONFIG = 1 << 9;
    private static final int CONFIG = 1 << 10;

    /**
     * One array element. Only the members named here count, so only their repeats matter: the full reader's tree
     * keeps a repeated key's last value in its first place, which this reader does not try to copy.
     */
    private static Element element(JsonReader r) throws IOException, Unsure {
        Element e = new Element();
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            int bit;
            switch (r.nextName()) {
                case "Id" -> {
                    bit = ID;
                    e.id = text(r);
                }
                case "Name" -> {
                    bit = NAME;
                    e.name = text(r);
                }
                case "Names" -> {
                    bit = NAMES;
                    e.names = texts(r);
                }
                case "Networks" -> {
                    bit = NETWORKS;
                    e.networks = texts(r);
                }
                case "Image" -> {
                    bit = IMAGE;
                    e.imageIsText = r.peek() != JsonToken.NULL;
                    e.image = primitive(r);
                }
                case "ImageName" -> {
                    bit = IMAGE_NAME;
                    e.imageNameIsText = r.peek() != JsonToken.NULL;
                    e.imageName = primitive(r);
                }
                case "Labels" -> {
                    bit = LABELS;
                    e.labels = labels(r);
                }
                case "Ports" -> {
                    bit = PORTS;
                    e.ports = psPorts(r);
                }
                case "NetworkSettings" -> {
                    bit = SETTINGS;
                    e.hasSettings = true;
                    settings(r, e);
                }
                case "HostConfig" -> {
                    bit = HOST_CONFIG;
                    hostConfig(r, e);
                }
                case "Config" -> {
                    bit = CONFIG;
                    config(r, e);
                }
                case "OCIRuntime", "ConmonPidFile", "OCIConfigPath" -> {
                    bit = 0; // only their presence counts
                    e.podmanKeys = true;
                    skip(r);
                }
                case "IPAM", "network_interface", "plugins" -> throw UNSURE; // a network, or worse
                default -> {
                    bit = 0;
                    skip(r);
                }
            }
            if ((e.seen & bit) != 0) {
                throw UNSURE;
            }
            e.seen |= bit;
        }
        r.endObject();
        return e;
    }

    private static void settings(JsonReader r, Element e) throws IOException, Unsure {
        if (nullValue(r)) {
            return;
        }
        e.settingsObject = true;
        int seen = 0;
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            int bit;
            switch (r.nextName()) {
                case "Networks" -> {
                    bit = 1;
                    e.endpoints = endpoints(r);
                }
                case "Ports" -> {
                    bit = 2;
                    e.portKeys = portKeys(r);
                }
                case "IPAddress" -> {
                    bit = 4;
                    e.settingsIp = text(r);
                }
                case "GlobalIPv6Address" -> {
                    bit = 8;
                    e.settingsIpv6 = text(r);
                }
                default -> {
                    bit = 0;
                    skip(r);
                }
            }
            if ((seen & bit) != 0) {
                throw UNSURE;
            }
            seen |= bit;
        }
        r.endObject();
    }

    private static LinkedHashMap<String, Endpoint> endpoints(JsonReader r) throws IOException, Unsure {
        if (nullValue(r)) {
            return null;
        }
        LinkedHashMap<String, Endpoint> out = new LinkedHashMap<>();
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            String network = r.nextName();
            if (out.containsKey(network)) {
                throw UNSURE;
            }
            out.put(network, nullValue(r) ? null : endpoint(r));
        }
        r.endObject();
        return out;
    }

    private static Endpoint endpoint(JsonReader r) throws IOException, Unsure {
        String[] m = textMembers(r, "IPAddress", "GlobalIPv6Address", "GwPriority");
        return new Endpoint(m[0], m[1], m[2]);
    }

    private static List<PortKey> portKeys(JsonReader r) throws IOException, Unsure {
        if (nullValue(r)) {
            return null;
        }
        List<PortKey> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            String key = r.nextName();
            if (!seen.add(key)) {
                throw UNSURE;
            }
            if (nullValue(r)) {
                out.add(new PortKey(key, null));
                continue;
            }
            List<Binding> bindings = new ArrayList<>();
            r.beginArray();
            while (r.peek() == JsonToken.BEGIN_OBJECT) {
                bindings.add(binding(r));
            }
            r.endArray();
            out.add(new PortKey(key, bindings));
        }
        r.endObject();
        return out;
    }

    private static Binding binding(JsonReader r) throws IOException, Unsure {
        String[] m = textMembers(r, "HostIp", "HostPort");
        return new Binding(m[0], m[1]);
    }

    private static List<PsPort> psPorts(JsonReader r) throws IOException, Unsure {
        if (nullValue(r)) {
            return null;
        }
        List<PsPort> out = new ArrayList<>();
        r.beginArray();
        while (r.peek() == JsonToken.BEGIN_OBJECT) {
            out.add(psPort(r));
        }
        r.endArray();
        return out;
    }

    private static PsPort psPort(JsonReader r) throws IOException, Unsure {
        String[] m = textMembers(r, "host_ip", "host_port", "container_port", "range", "protocol");
        // Podman writes 0 for a single port in some versions; both mean one port.
        int span = m[3] == null ? 1 : Math.max(1, (int) integer(m[3], 0, 65535));
        return new PsPort(m[0], port(m[1]), port(m[2]), span, m[4]);
    }

    private static void hostConfig(JsonReader r, Element e) throws IOException, Unsure {
        if (nullValue(r)) {
            return;
        }
        boolean seen = false;
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            if (r.nextName().equals("NetworkMode")) {
                if (seen) {
                    throw UNSURE;
                }
                seen = true;
                e.mode = text(r);
            } else {
                skip(r);
            }
        }
        r.endObject();
    }

    private static void config(JsonReader r, Element e) throws IOException, Unsure {
        if (nullValue(r)) {
            return;
        }
        e.config = true;
        int seen = 0;
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            int bit;
            switch (r.nextName()) {
                case "Image" -> {
                    bit = 1;
                    e.configImage = text(r);
                }
                case "Labels" -> {
                    bit = 2;
                    e.configLabels = labels(r);
                }
                default -> {
                    bit = 0;
                    skip(r);
                }
            }
            if ((seen & bit) != 0) {
                throw UNSURE;
            }
            seen |= bit;
        }
        r.endObject();
    }

    /** Labels as PortsReader.labels takes them: null values left out, any other primitive as its text. */
    private static Map<String, String> labels(JsonReader r) throws IOException, Unsure {
        if (nullValue(r)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> nulls = null;
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            String key = r.nextName();
            if (out.containsKey(key) || nulls != null && nulls.contains(key)) {
                throw UNSURE;
            }
            JsonToken t = r.peek();
            if (t == JsonToken.NULL) {
                r.nextNull();
                nulls = nulls == null ? new HashSet<>() : nulls;
                nulls.add(key);
            } else if (t == JsonToken.BOOLEAN) {
                out.put(key, String.valueOf(r.nextBoolean()));
            } else {
                out.put(key, text(r));
            }
        }
        r.endObject();
        return out;
    }

    /** True (and the null read) when the next value is JSON null; false when it is anything else. */
    /**
     * An object whose members named in {@code names} are read as text (null when absent or JSON null), the others
     * skipped; a member it reads twice makes the document unsure (the tree reader keeps the last, as gson does).
     */
    private static String[] textMembers(JsonReader r, String... names) throws IOException, Unsure {
        String[] out = new String[names.length];
        int seen = 0;
        r.beginObject();
        while (r.peek() == JsonToken.NAME) {
            String name = r.nextName();
            int i = 0;
            while (i < names.length && !names[i].equals(name)) {
                i++;
            }
            if (i == names.length) {
                skip(r);
                continue;
            }
            if ((seen & (1 << i)) != 0) {
                throw UNSURE;
            }
            seen |= 1 << i;
            out[i] = text(r);
        }
        r.endObject();
        return out;
    }

    private static boolean nullValue(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return true;
        }
        return false;
    }

    /** A string or number as JsonDoc.text gives it, null for JSON null; anything else is for the full reader. */
    private static String text(JsonReader r) throws IOException, Unsure {
        JsonToken t = r.peek();
        if (t == JsonToken.STRING || t == JsonToken.NUMBER) {
            return r.nextString();
        }
        if (t == JsonToken.NULL) {
            r.nextNull();
            return null;
        }
        throw UNSURE;
    }

    /** A primitive as gson's getAsString gives it (null for JSON null, an object or an array). */
    private static String primitive(JsonReader r) throws IOException, Unsure {
        JsonToken t = r.peek();
        if (t == JsonToken.BOOLEAN) {
            return String.valueOf(r.nextBoolean());
        }
        if (t == JsonToken.BEGIN_OBJECT || t == JsonToken.BEGIN_ARRAY) {
            throw UNSURE; // not text: rare enough to leave to the full reader
        }
        return text(r);
    }

    /** An array of strings or numbers (their text); null when absent or JSON null. */
    private static List<String> texts(JsonReader r) throws IOException, Unsure {
        if (nullValue(r)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        r.beginArray();
        while (r.peek() != JsonToken.END_ARRAY) {
            String s = text(r);
            if (s == null) {
                throw UNSURE;
            }
            out.add(s);
        }
        r.endArray();
        return out;
    }

    /** Skips a value with the same reader calls JsonDoc makes to build it, so that both refuse the same syntax. */
    private static void skip(JsonReader r) throws IOException, Unsure {
        int depth = 0;
        do {
            switch (r.peek()) {
                case BEGIN_OBJECT -> {
                    r.beginObject();
                    depth++;
                }
                case BEGIN_ARRAY -> {
                    r.beginArray();
                    depth++;
                }
                case END_OBJECT -> {
                    r.endObject();
                    depth--;
                }
                case END_ARRAY -> {
                    r.endArray();
                    depth--;
                }
                case NAME -> r.nextName();
                case BOOLEAN -> r.nextBoolean();
                case NULL -> r.nextNull();
                case STRING, NUMBER -> r.nextString();
                default -> throw UNSURE;
            }
        } while (depth > 0);
    }

    /** JsonDoc.integer's rule: a decimal whole number (a sign at most, 18 digits at most) within [min, max]. */
    private static long integer(String s, long min, long max) throws Unsure {
        if (s == null) {
            throw UNSURE;
        }
        int i = s.startsWith("-") ? 1 : 0;
        if (i == s.length() || s.length() - i > 18) {
            throw UNSURE;
        }
        for (int k = i; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                throw UNSURE;
            }
        }
        long v = Long.parseLong(s);
        if (v < min || v > max) {
            throw UNSURE;
        }
        return v;
    }

    private static int port(String s) throws Unsure {
        return (int) integer(s, 1, 65535);
    }

    // ------------------------------------------------------------------------------------------------------------
    // emitting: PortsReader.podmanPs and Inspect.read, on the gathered members

    private static void podmanPs(Element e, PortsReader.Sink sink) throws Unsure {
        if (e.id == null || e.id.isEmpty()) {
            throw UNSURE;
        }
        List<String> names = e.names == null ? List.of() : e.names;
        String name = PortsReader.cleanName(names.isEmpty() ? e.name : names.get(0), e.id);
        List<String> networks = e.networks == null ? List.of() : e.networks;
        String network = networks.size() == 1 ? networks.get(0) : null;
        String image = e.imageIsText ? e.image : null;
        sink.containers.add(new Container(e.id, name, Engine.PODMAN, networks, null, false, sink.name,
                e.labels == null ? Map.of() : e.labels, image, null));
        if (e.ports == null) {
            return;
        }
        for (PsPort p : e.ports) {
            int range = p.range();
            if (p.hostPort() + range - 1 > 65535 || p.ctrPort() + range - 1 > 65535) {
                throw UNSURE;
            }
            List<String> protocols = Bind.protocolList(p.protocol());
            Bind bind = Bind.parse(p.hostIp(), true);
            if (protocols == null || bind == null
                    || sink.mappings.size() + (long) protocols.size() * range > PortsReader.MAX_MAPPINGS) {
                throw UNSURE;
            }
            for (String proto : protocols) {
                for (int i = 0; i < range; i++) {
                    sink.add(new PortMapping(e.id, name, Engine.PODMAN, network, proto, bind.hostIp(),
                            p.hostPort() + i, null, p.ctrPort() + i, sink.name));
                }
            }
        }
    }

    private static void inspect(Element e, Engine engine, PortsReader.Sink sink) throws Unsure {
        if (e.id == null || e.id.isEmpty()) {
            throw UNSURE;
        }
        String name = PortsReader.cleanName(e.name, e.id);
        List<String> networkNames = new ArrayList<>();
        List<Inspect.Addr> addrs = e.settingsObject ? addresses(e, engine, networkNames) : List.of();
        boolean rootless = engine == Engine.PODMAN && e.mode != null && Inspect.isRootlessMode(e.mode);
        String image = e.config ? e.configImage : null;
        if (e.imageNameIsText) {
            image = e.imageName; // podman: the name the user ran, Config.Image may be an id
        }
        Map<String, String> labels = e.config && e.configLabels != null ? e.configLabels : Map.of();
        sink.containers.add(new Container(e.id, name, engine, networkNames, e.mode, rootless, sink.name, labels, image,
                null));
        if (e.portKeys == null) {
            return;
        }
        Set<List<Object>> seen = new HashSet<>();
        for (PortKey port : e.portKeys) {
            if (port.bindings() == null) {
                continue; // exposed, not published
            }
            String key = port.key();
            int slash = key.indexOf('/');
            String portText = slash < 0 ? key : key.substring(0, slash);
            String proto = slash < 0 ? "tcp" : key.substring(slash + 1).toLowerCase(Locale.ROOT);
            if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")
                    || portText.isEmpty() || portText.length() > 5) {
                throw UNSURE;
            }
            int ctrPort = port(portText);
            for (Binding b : port.bindings()) {
                if (b.hostPort() == null || b.hostPort().isEmpty()) {
                    continue; // routed mode: nothing is published on the host
                }
                int hostPort = port(b.hostPort());
                Bind bind = Bind.parse(b.hostIp(), engine == Engine.PODMAN);
                if (bind == null || sink.mappings.size() + Math.max(1, addrs.size()) > PortsReader.MAX_MAPPINGS) {
                    throw UNSURE;
                }
                Inspect.emit(sink, seen, e.id, name, engine, proto, bind, hostPort, ctrPort, addrs);
            }
        }
    }

    /** Inspect.addresses: Podman's every network, Docker's one with the highest GwPriority. */
    private static List<Inspect.Addr> addresses(Element e, Engine engine, List<String> networkNames) throws Unsure {
        List<Inspect.Addr> out = new ArrayList<>();
        long bestPriority = Long.MIN_VALUE;
        if (e.endpoints != null) {
            for (Map.Entry<String, Endpoint> n : e.endpoints.entrySet()) {
                networkNames.add(n.getKey());
                Endpoint ep = n.getValue();
                if (ep == null) {
                    continue;
                }
                List<Inspect.Addr> mine = endpointAddrs(ep.ip(), ep.ipv6(), n.getKey());
                if (mine.isEmpty()) {
                    continue;
                }
                if (engine == Engine.PODMAN) {
                    out.addAll(mine);
                    continue;
                }
                long priority = ep.gwPriority() == null ? 0
                        : integer(ep.gwPriority(), Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
                if (priority > bestPriority) {
                    bestPriority = priority;
                    out.clear();
                    out.addAll(mine);
                }
            }
        }
        if (out.isEmpty()) {
            // Only the legacy top-level fields (Docker < 29 copies them from the "bridge" network).
            out.addAll(endpointAddrs(e.settingsIp, e.settingsIpv6,
                    engine == Engine.DOCKER && e.endpoints == null ? "bridge" : null));
        }
        return out;
    }

    private static List<Inspect.Addr> endpointAddrs(String ip, String ipv6, String network) throws Unsure {
        List<Inspect.Addr> out = new ArrayList<>(2);
        for (String s : new String[] {ip, ipv6}) {
            if (s != null && !s.isEmpty()) {
                IpAddress a = JsonDoc.addressOrNull(s);
                if (a == null) {
                    throw UNSURE;
                }
                out.add(new Inspect.Addr(network, a));
            }
        }
        return out;
    }
}
