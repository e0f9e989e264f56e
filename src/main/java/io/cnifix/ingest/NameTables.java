package io.cnifix.ingest;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Service and protocol names as iptables-restore resolves them (getservbyname per protocol, getprotobyname), read
 * from text in the /etc/services and /etc/protocols formats. The bundled tables serve snapshots and files read away
 * from their host, so that parsing never depends on the machine cnifix happens to run on.
 */
public final class NameTables {
    private static final NameTables BUNDLED = new NameTables(BundledNames.SERVICES, BundledNames.PROTOCOLS);

    private final Map<String, Integer> services = new HashMap<>();
    private final Map<String, Integer> protocols = new HashMap<>();

    private final String servicesText;
    private final String protocolsText;
    /** Set once both maps are filled; they are never changed after. */
    private volatile boolean parsed;

    /** {@code services} (name port/proto aliases...) and {@code protocols} (name number aliases...), as text. */
    public NameTables(String servicesText, String protocolsText) {
        this.servicesText = servicesText;
        this.protocolsText = protocolsText;
    }

    /**
     * Fills the maps on the first name that is not a number or a protocol iptables knows itself: most dumps have
     * none, and parsing the tables (the bundled ones and the host's) was about 50 ms of every cold run reading rules.
     * Synchronized: a large dump's rules are parsed on two threads.
     */
    private void parse() {
        if (parsed) {
            return;
        }
        synchronized (this) {
            if (!parsed) {
                fill();
                parsed = true;
            }
        }
    }

    private void fill() {
        for (String[] f : fields(servicesText)) {
            int slash = f.length > 1 ? f[1].indexOf('/') : -1;
            if (slash <= 0) {
                continue;
            }
            Integer port = number(f[1].substring(0, slash), 65535);
            if (port == null) {
                continue;
            }
            String proto = f[1].substring(slash + 1).toLowerCase(Locale.ROOT);
            for (int i = 0; i < f.length; i++) {
                if (i != 1) {
                    services.putIfAbsent(f[i] + "/" + proto, port);
                }
            }
        }
        for (String[] f : fields(protocolsText)) {
            Integer n = f.length > 1 ? number(f[1], 255) : null;
            if (n == null) {
                continue;
            }
            for (int i = 0; i < f.length; i++) {
                if (i != 1) {
                    protocols.putIfAbsent(f[i].toLowerCase(Locale.ROOT), n);
                }
            }
        }
    }

    public static NameTables bundled() {
        return BUNDLED;
    }

    /** The port a service name stands for with this protocol (lower case: tcp, udp, sctp), or -1. */
    public int port(String name, String protocol) {
        parse();
        Integer p = services.get(name + "/" + protocol);
        return p == null ? -1 : p;
    }

    /** The protocol number a name stands for, or -1; case is ignored, as iptables lower-cases it first. */
    public int protocol(String name) {
        parse();
        Integer p = protocols.get(name.toLowerCase(Locale.ROOT));
        return p == null ? -1 : p;
    }

    private static Integer number(String s, int max) {
        if (s.isEmpty() || s.length() > 5) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        int v = Integer.parseInt(s);
        return v <= max ? v : null;
    }

    private static Iterable<String[]> fields(String text) {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String body = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (!body.isEmpty()) {
                out.add(body.split("\\s+"));
            }
        }
        return out;
    }
}
