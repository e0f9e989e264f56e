package io.cnifix.ingest.json;

import com.google.gson.JsonElement;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A host-side binding: the host address (null for every address) and the one address family it applies to
 * (null for both). Engines read the wildcards differently: Docker and the CNI portmap plugin bind 0.0.0.0 to
 * IPv4 only and :: to IPv6 only, while Podman's CLI drops 0.0.0.0 and so publishes on both families.
 */
record Bind(IpAddress hostIp, Family family) {

    /** Bound to every address of both families. */
    static final Bind ANY = new Bind(null, null);

    private static final List<String> TCP = List.of("tcp");

    static Bind of(JsonDoc doc, JsonElement at, String text, boolean podmanWildcard) {
        Bind b = parse(text, podmanWildcard);
        if (b == null) {
            doc.address(at, "host IP"); // throws: names the text and its line
        }
        return b;
    }

    /** The binding the host address text gives (null or empty: every address), or null when it is no address. */
    static Bind parse(String text, boolean podmanWildcard) {
        if (text == null || text.isEmpty()) {
            return ANY;
        }
        IpAddress ip = JsonDoc.addressOrNull(text);
        if (ip == null) {
            return null;
        }
        if (!ip.isUnspecified()) {
            return new Bind(ip, ip.family());
        }
        return new Bind(null, podmanWildcard && ip.isV4() ? null : ip.family());
    }

    boolean appliesTo(IpAddress containerIp) {
        return containerIp == null || family == null || containerIp.family() == family;
    }

    /** A protocol or a comma list of them ("tcp,udp"), lower-cased; absent means tcp. */
    static List<String> protocols(JsonDoc doc, JsonElement e, String what) {
        String text = e == null || e.isJsonNull() ? "" : doc.text(e, what);
        List<String> out = protocolList(text);
        if (out == null) {
            for (String part : text.split(",", -1)) {
                String p = part.trim().toLowerCase(Locale.ROOT);
                if (!p.isEmpty() && !p.equals("tcp") && !p.equals("udp") && !p.equals("sctp")) {
                    throw doc.error(e, what + ": unknown protocol \"" + JsonDoc.cut(part.trim())
                            + "\" (expected tcp, udp or sctp)");
                }
            }
        }
        return out;
    }

    /** The protocols of a comma list (null or empty: tcp), or null when one of them is unknown. */
    static List<String> protocolList(String text) {
        if (text == null || text.isEmpty() || text.equals("tcp")) {
            return TCP;
        }
        List<String> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            if (!p.equals("tcp") && !p.equals("udp") && !p.equals("sctp")) {
                return null;
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            out.add("tcp");
        }
        return out;
    }
}
