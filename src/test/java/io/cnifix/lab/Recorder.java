package io.cnifix.lab;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The nft table {@code inet cfxlab} that notes the first packet of each probe where it arrives, into dynamic
 * sets keyed (l4proto . saddr . sport . daddr . dport). Its rules carry no verdict except the final drop in the
 * containers namespace, so in the host namespace they cannot change what iptables decides; and iptables-nft
 * never touches a table of family inet.
 * <p>
 * Only a TCP SYN without ACK, or any UDP datagram, counts: so replies, RSTs and FINs are never taken for a probe.
 * nft 1.0.6 mislabels ifname in set keys (as "verdict"), hence one set pair per interface rather than iifname in
 * the key. The lab reads the sets over netlink ({@link #seen}, {@link #portMap}); {@link #parse} reads nft's JSON.
 */
final class Recorder {

    static final String TABLE = "cfxlab";
    /** The containers namespace's set of services that answer (see {@link #sinkTable}). */
    static final String OPEN = "open";

    /**
     * A probe packet as one recorder saw it. {@code place} is the host interface it left by, or "" when the host
     * delivered it locally (while parsing nft's JSON, the name of the set it was found in).
     */
    record Seen(String place, String proto, String src, int sport, String dst, int dport) {
    }

    /** Noted in the host for each tracked probe packet: its source port as sent, then as it is now (after SNAT). */
    record PortMap(String proto, int originalSport, int sport) {
    }

    private Recorder() {
    }

    /**
     * Tables for a namespace where forwarded packets end up: a record per listed interface, in prerouting before
     * anything else. {@code dropAfter} keeps containers from answering, so no handshake ever completes, except
     * to the services (l4proto . port) in set {@code open}, which {@link KernelLab#connect} fills while it lets
     * containers answer.
     */
    static String sinkTable(List<String> ifaces, boolean dropAfter) {
        StringBuilder sets = new StringBuilder();
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < ifaces.size(); i++) {
            String name = "p" + i;
            sets.append(setDecl(name + "_4", "ipv4_addr")).append(setDecl(name + "_6", "ipv6_addr"));
            rules.append(recordRules("iifname \"" + ifaces.get(i) + "\" ", name));
        }
        if (dropAfter) {
            sets.append("  set ").append(OPEN).append(" { type inet_proto . inet_service; }\n");
            rules.append("    meta l4proto { tcp, udp } meta l4proto . th dport @").append(OPEN).append(" accept\n");
            rules.append("    meta l4proto { tcp, udp } drop\n");
        }
        return "table inet " + TABLE + " {\n" + sets
                + "  chain pre {\n    type filter hook prerouting priority -500; policy accept;\n" + rules + "  }\n}\n";
    }

    /**
     * The host's table: local deliveries noted at input priority 500, after iptables-nft's filter (0), nat (100)
     * and security (150) INPUT chains, so only packets that all of them let through. Port maps are taken on input
     * and postrouting from conntrack's original tuple, because SNAT may rewrite the source port.
     */
    static String hostTable() {
        String key = " add @m { meta l4proto . ct original proto-src . th sport }\n";
        String portMap = "    ct direction original meta l4proto tcp tcp flags & (syn | ack) == syn" + key
                + "    ct direction original meta l4proto udp" + key;
        return "table inet " + TABLE + " {\n" + setDecl("l_4", "ipv4_addr") + setDecl("l_6", "ipv6_addr")
                + "  set m { type inet_proto . inet_service . inet_service; flags dynamic; size 65536; }\n"
                + "  chain in {\n    type filter hook input priority 500; policy accept;\n"
                + recordRules("", "l") + portMap + "  }\n"
                + "  chain post {\n    type filter hook postrouting priority 500; policy accept;\n" + portMap + "  }\n"
                + "}\n";
    }

    static List<String> sinkSetNames(int ifaces) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ifaces; i++) {
            names.add("p" + i + "_4");
            names.add("p" + i + "_6");
        }
        return names;
    }

    static List<String> hostSetNames() {
        return List.of("l_4", "l_6", "m");
    }

    private static String setDecl(String name, String addrType) {
        return "  set " + name + " { type inet_proto . " + addrType + " . inet_service . " + addrType
                + " . inet_service; flags dynamic; size 65536; }\n";
    }

    private static String recordRules(String match, String name) {
        StringBuilder b = new StringBuilder();
        for (String fam : List.of("4", "6")) {
            String nf = fam.equals("4") ? "ipv4" : "ipv6";
            String ip = fam.equals("4") ? "ip" : "ip6";
            String key = " add @" + name + "_" + fam + " { meta l4proto . " + ip + " saddr . th sport . "
                    + ip + " daddr . th dport }\n";
            b.append("    ").append(match).append("meta nfproto ").append(nf)
                    .append(" meta l4proto tcp tcp flags & (syn | ack) == syn").append(key);
            b.append("    ").append(match).append("meta nfproto ").append(nf).append(" meta l4proto udp").append(key);
        }
        return b.toString();
    }

    /**
     * Decodes one key as the kernel stores it: each field of a concatenation starts on a 4-byte boundary, ports in
     * network byte order.
     */
    static Seen seen(String place, byte[] key) {
        int a = key.length == 20 ? 4 : 16;
        if (key.length != 4 + a + 4 + a + 4) {
            throw new IllegalArgumentException("unexpected key length " + key.length);
        }
        return new Seen(place, proto(key[0]), address(key, 4, a), port(key, 4 + a), address(key, 8 + a, a),
                port(key, 8 + 2 * a));
    }

    static PortMap portMap(byte[] key) {
        return new PortMap(proto(key[0]), port(key, 4), port(key, 8));
    }

    private static String proto(byte b) {
        return b == 6 ? "tcp" : b == 17 ? "udp" : Integer.toString(b & 0xff);
    }

    private static int port(byte[] key, int at) {
        return (key[at] & 0xff) << 8 | (key[at + 1] & 0xff);
    }

    private static String address(byte[] key, int at, int length) {
        try {
            return canonical(InetAddress.getByAddress(Arrays.copyOfRange(key, at, at + length))
                    .getHostAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Reads the elements of every set in the output of {@code nft -j list table inet cfxlab}. */
    static void parse(String json, List<Seen> seen, List<PortMap> maps) {
        JsonArray items = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("nftables");
        for (JsonElement item : items) {
            JsonObject set = item.getAsJsonObject().getAsJsonObject("set");
            if (set == null || !set.has("elem")) {
                continue;
            }
            String name = set.get("name").getAsString();
            for (JsonElement e : set.getAsJsonArray("elem")) {
                JsonArray f = concat(e);
                if (name.equals("m")) {
                    maps.add(new PortMap(proto(f.get(0)), port(f.get(1)), port(f.get(2))));
                } else {
                    seen.add(new Seen(name, proto(f.get(0)), canonical(f.get(1).getAsString()), port(f.get(2)),
                            canonical(f.get(3).getAsString()), port(f.get(4))));
                }
            }
        }
    }

    /** An element is {"concat": [...]}, or wrapped as {"elem": {"val": {"concat": [...]}}} when it has extras. */
    private static JsonArray concat(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        if (o.has("elem")) {
            o = o.getAsJsonObject("elem").getAsJsonObject("val");
        }
        return o.getAsJsonArray("concat");
    }

    private static String proto(JsonElement e) {
        String s = e.getAsString();
        return switch (s) {
            case "6" -> "tcp";
            case "17" -> "udp";
            default -> s;
        };
    }

    private static int port(JsonElement e) {
        return Integer.parseInt(e.getAsString());
    }

    /** The form nft prints and callers are likely to write: dotted IPv4, RFC 5952 compressed lower-case IPv6. */
    static String canonical(String address) {
        InetAddress a;
        try {
            if (!address.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("not an IP address: " + address);
            }
            a = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + address, e);
        }
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }
}
