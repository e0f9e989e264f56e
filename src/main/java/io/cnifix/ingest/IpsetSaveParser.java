package io.cnifix.ingest;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code ipset save} output: {@code create NAME TYPE [options]} and {@code add NAME ELEMENT [options]} lines.
 * Sets of a type cnifix does not model are kept by name (their tests stay unknown); a malformed line is an
 * {@link InputException} naming file and line.
 */
public final class IpsetSaveParser {
    private IpsetSaveParser() {
    }

    /** True when a text looks like ipset save output rather than an iptables dump. */
    public static boolean looksLikeIpset(InputText t) {
        String base = t.name().substring(t.name().lastIndexOf('/') + 1);
        if (base.startsWith("ipset")) {
            return true;
        }
        for (String line : InputText.firstLines(t.content(), 50)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                return s.startsWith("create ");
            }
        }
        return false;
    }

    public static List<IpSet> parse(InputText input) {
        record Building(String type, Family family, int netmask, List<IpSet.Entry> entries, List<String> members, int line) {
        }
        Map<String, Building> sets = new LinkedHashMap<>();
        String[] lines = input.content().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> w = RuleTokens.split(line, input.name(), lineNo).values;
            if (w.size() < 3 || !(w.get(0).equals("create") || w.get(0).equals("add") || w.get(0).equals("-N")
                    || w.get(0).equals("-A"))) {
                throw new InputException(input.name(), lineNo, "expected 'create NAME TYPE ...' or 'add NAME ELEMENT'");
            }
            String name = w.get(1);
            if (w.get(0).equals("create") || w.get(0).equals("-N")) {
                String type = w.get(2).toLowerCase(Locale.ROOT);
                Family family = Family.V4;
                int netmask = -1;
                for (int k = 3; k + 1 < w.size(); k++) {
                    if (w.get(k).equals("family")) {
                        family = w.get(k + 1).equals("inet6") ? Family.V6 : Family.V4;
                    } else if (w.get(k).equals("netmask")) {
                        netmask = number(w.get(k + 1), 128, input, lineNo);
                    }
                }
                if (sets.containsKey(name)) {
                    throw new InputException(input.name(), lineNo, "set " + name + " created twice");
                }
                sets.put(name, new Building(type, family, netmask < 0 ? family.bits() : netmask, new ArrayList<>(),
                        new ArrayList<>(), lineNo));
                continue;
            }
            Building b = sets.get(name);
            if (b == null) {
                throw new InputException(input.name(), lineNo, "element for set " + name + " before its create line");
            }
            String element = w.get(2);
            if (b.type().equals("list:set")) {
                b.members().add(element);
                continue;
            }
            if (!IpSet.MODELLED.contains(b.type())) {
                continue;
            }
            boolean nomatch = w.subList(3, w.size()).contains("nomatch");
            try {
                b.entries().add(entry(b.type(), b.family(), element, nomatch));
            } catch (IllegalArgumentException e) {
                throw new InputException(input.name(), lineNo, "bad element '" + element + "' for " + b.type()
                        + " set " + name + ": " + e.getMessage());
            }
        }
        List<IpSet> out = new ArrayList<>();
        sets.forEach((n, b) -> out.add(new IpSet(n, b.type(), b.family(), b.netmask(), b.entries(), b.members(),
                input.name(), b.line())));
        return out;
    }

    private static int number(String s, int max, InputText input, int line) {
        try {
            int v = Integer.parseInt(s);
            if (v < 0 || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InputException(input.name(), line, "bad number '" + s + "'");
        }
    }

    private static IpSet.Entry entry(String type, Family family, String element, boolean nomatch) {
        if (type.equals("bitmap:port")) {
            int colon = element.indexOf(':');
            return new IpSet.Entry(null, null, port(colon < 0 ? element : element.substring(colon + 1)), false);
        }
        String addr = element;
        Integer proto = null;
        Integer port = null;
        if (type.endsWith(",port")) {
            int comma = element.indexOf(',');
            if (comma < 0) {
                throw new IllegalArgumentException("expected ADDRESS,PROTO:PORT");
            }
            addr = element.substring(0, comma);
            String pp = element.substring(comma + 1);
            int colon = pp.indexOf(':');
            String protoName = colon < 0 ? "tcp" : pp.substring(0, colon);
            proto = Protocols.number(protoName);
            if (proto < 0) {
                throw new IllegalArgumentException("unknown protocol " + protoName);
            }
            port = proto == 6 || proto == 17 || proto == 132 || proto == 136 ? port(colon < 0 ? pp : pp.substring(colon + 1)) : -1;
        }
        Cidr c = Cidr.parse(addr);
        if (c.family() != family) {
            throw new IllegalArgumentException("address family does not match the set's");
        }
        return new IpSet.Entry(c, proto, port, nomatch);
    }

    private static int port(String s) {
        int v = Integer.parseInt(s);
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
        return v;
    }
}
