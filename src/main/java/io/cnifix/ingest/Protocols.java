package io.cnifix.ingest;

import java.util.Map;

/** Protocol names iptables prints, and their numbers (from /etc/protocols). */
final class Protocols {
    private Protocols() {
    }

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("all", 0), Map.entry("icmp", 1), Map.entry("igmp", 2), Map.entry("tcp", 6),
            Map.entry("udp", 17), Map.entry("ipv6", 41), Map.entry("gre", 47), Map.entry("esp", 50),
            Map.entry("ah", 51), Map.entry("icmpv6", 58), Map.entry("ipv6-icmp", 58), Map.entry("ospf", 89),
            Map.entry("pim", 103), Map.entry("vrrp", 112), Map.entry("sctp", 132), Map.entry("udplite", 136),
            Map.entry("mh", 135), Map.entry("dccp", 33));

    /** The protocol number, or -1 when the name is not known. */
    static int number(String name) {
        return number(name, NameTables.bundled());
    }

    /** As iptables: a number, a name iptables itself knows, or a name from the protocols table. */
    static int number(String name, NameTables names) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        Integer n = NUMBERS.get(lower);
        if (n != null) {
            return n;
        }
        try {
            int v = Integer.parseInt(lower);
            return v >= 0 && v <= 255 ? v : -1;
        } catch (NumberFormatException e) {
            return names.protocol(lower);
        }
    }
}
