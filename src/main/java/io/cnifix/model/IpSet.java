package io.cnifix.model;

import java.util.List;
import java.util.Map;

/**
 * One ipset as {@code ipset save} lists it. {@code type} is one cnifix tests members of (hash:ip, hash:net,
 * hash:ip,port, hash:net,port, bitmap:port, list:set) or any other, whose tests stay unknown. {@code netmask}: the
 * prefix hash:ip stores addresses under (the family's full length by default).
 */
public record IpSet(String name, String type, Family family, int netmask, List<Entry> entries, List<String> members,
                    String source, int line) {

    public static final List<String> MODELLED = List.of("hash:ip", "hash:net", "hash:ip,port", "hash:net,port",
            "bitmap:port", "list:set");

    public IpSet {
        entries = List.copyOf(entries);
        members = List.copyOf(members);
    }

    /** One element: an address or prefix (null for bitmap:port), a protocol and port (null without a port). */
    public record Entry(Cidr address, Integer protocol, Integer port, boolean nomatch) {
    }

    /** The dimensions of this type: how many directions a --match-set needs at least. */
    public int dimensions() {
        return type.indexOf(',') < 0 ? 1 : type.split(",").length;
    }

    /** The values a packet shows in each dimension, as the set match picks them by direction. */
    public interface Packet {
        IpAddress address(boolean source);

        int port(boolean source);

        int protocol();
    }

    /**
     * Whether the packet is in this set, as ipset's test does: too few directions or another family never match;
     * in hash:net types the longest prefix decides and a nomatch element means no; --return-nomatch reverses
     * that: a nomatch element means yes and a plain one no.
     * Null when cnifix cannot tell (a type it does not model, a list member it was not given).
     */
    public Boolean test(Packet p, List<Boolean> dirs, boolean returnNomatch, Map<String, IpSet> all, boolean nested) {
        if (!MODELLED.contains(type)) {
            return null;
        }
        if (type.equals("list:set")) {
            if (nested) {
                return null;
            }
            boolean unknown = false;
            for (String m : members) {
                IpSet s = all.get(m);
                Boolean r = s == null ? null : s.test(p, dirs, returnNomatch, all, true);
                if (r == null) {
                    unknown = true;
                } else if (r) {
                    return unknown ? null : true;
                }
            }
            return unknown ? null : false;
        }
        if (dirs.size() < dimensions()) {
            return false;
        }
        boolean ported = type.endsWith(",port") || type.equals("bitmap:port");
        int proto = p.protocol();
        if (ported && proto != 6 && proto != 17 && proto != 132 && proto != 136) {
            // ICMP "ports" (type/code) are not modelled; other protocols have none.
            return proto == 1 || proto == 58 ? null : false;
        }
        if (type.equals("bitmap:port")) {
            int port = p.port(dirs.get(0));
            for (Entry e : entries) {
                if (e.port() == port) {
                    return true;
                }
            }
            return false;
        }
        IpAddress a = p.address(dirs.get(0));
        if (a.family() != family) {
            return false;
        }
        int port = ported ? p.port(dirs.get(1)) : -1;
        Entry best = null;
        for (Entry e : entries) {
            if (ported && (e.protocol() != proto || e.port() != port)) {
                continue;
            }
            Cidr c = type.startsWith("hash:ip") ? new Cidr(a, netmask) : null;
            boolean hit = c != null ? e.address().base().equals(c.base()) : e.address().contains(a);
            if (hit && (best == null || e.address().prefix() > best.address().prefix())) {
                best = e;
            }
        }
        if (best == null) {
            return false;
        }
        // --return-nomatch reverses the sense: a nomatch element matches and a plain one does not.
        return returnNomatch ? best.nomatch() : !best.nomatch();
    }
}
