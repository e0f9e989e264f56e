package io.cnifix.ingest;

import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Podman container's published ports as the engine's own DNAT rules give them, read from iptables-save text:
 * what {@code cnifix watch} opens on a start without waiting for {@code podman inspect}. Both iptables writers name
 * the container in a comment on the jump out of their host-port chain, and the DNAT rules sit in the chain jumped to:
 * <ul>
 * <li>CNI portmap: {@code -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"NET\" id: \"ID\"" -m multiport
 * --dports 8080,9000 -j CNI-DN-x}, one CNI-DN chain per container;</li>
 * <li>netavark's iptables driver: {@code -A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -m comment --comment
 * "dnat name: NET id: ID" -j NETAVARK-DN-x}, one chain per network, shared by its containers;</li>
 * </ul>
 * and in that chain {@code [-d HOSTIP/32] -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80}
 * (netavark writes a range as {@code --dport 9000:9001 ... --to-destination 10.88.0.2:9000-9001/9000}). netavark's
 * nftables driver names no container in its rules, so there is no answer there. Anything not understood, or a
 * shared chain whose rule for the port could be another container's, gives no answer rather than a guess. Pure.
 */
public final class EngineDnat {
    private static final List<String> HOSTPORT_CHAINS = List.of("CNI-HOSTPORT-DNAT", "NETAVARK-HOSTPORT-DNAT");
    private static final Pattern ID = Pattern.compile("\\bid: \"?([0-9a-f]{12,64})\"?");
    private static final Pattern NAME = Pattern.compile("\\bname: \"?([^\" ]+)\"?");
    /** A DNAT target: an address (IPv6 in brackets), then maybe ":PORT", ":FIRST-LAST" or ":FIRST-LAST/BASE". */
    private static final Pattern TO = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[0-9.]+)(?::(\\d+)(?:-(\\d+)(?:/(\\d+))?)?)?");

    private EngineDnat() {
    }

    /** The mappings found (empty with {@code problem} saying why when none can be given for sure). */
    public record Found(List<PortMapping> mappings, String problem) {
        public Found {
            mappings = List.copyOf(mappings);
        }

        static Found none(String why) {
            return new Found(List.of(), why);
        }
    }

    /** One rule of a host-port or DN chain, as far as these rules go; null fields are absent options. */
    private record Rule(String protocol, List<String> ports, String source, String dest, String comment, String target, String to) {
    }

    /**
     * @param id   the container's id (full, or at least 12 characters of it)
     * @param name the name to give the mappings (the start event's), or null for the short id
     */
    public static Found of(String id, String name, List<InputText> dumps) {
        if (id == null || id.length() < 12) {
            return Found.none("no container id to look for");
        }
        Set<PortMapping> out = new LinkedHashSet<>();
        for (InputText dump : dumps) {
            String problem;
            try {
                problem = fromDump(id, name, dump.name(), natChains(dump.content()), out);
            } catch (RuntimeException e) {
                problem = "not read: " + e.getMessage(); // a quote left open, a number past any port: no guess
            }
            if (problem != null) {
                return Found.none(dump.name() + ": " + problem);
            }
        }
        return out.isEmpty() ? Found.none("no DNAT rule of the engine names the container") : new Found(List.copyOf(out), null);
    }

    /** The nat table's CNI-* and NETAVARK-* rules by chain, in order (the other chains are not needed). */
    private static Map<String, List<String>> natChains(String text) {
        Map<String, List<String>> chains = new LinkedHashMap<>();
        boolean nat = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("*")) {
                nat = line.strip().equals("*nat");
            } else if (nat && (line.startsWith("-A CNI-") || line.startsWith("-A NETAVARK-"))) {
                int sp = line.indexOf(' ', 3);
                if (sp > 0) {
                    chains.computeIfAbsent(line.substring(3, sp), k -> new ArrayList<>()).add(line.substring(sp + 1));
                }
            }
        }
        return chains;
    }

    /** Adds this dump's mappings for {@code id} to {@code out}; a problem (no mapping can be trusted), or null. */
    private static String fromDump(String id, String name, String source, Map<String, List<String>> chains, Set<PortMapping> out) {
        List<Rule> mine = new ArrayList<>();
        List<String> mineNetworks = new ArrayList<>();
        Set<String> othersTargets = new HashSet<>();
        for (String hostport : HOSTPORT_CHAINS) {
            for (String line : chains.getOrDefault(hostport, List.of())) {
                Rule r = rule(line);
                String cid = r == null || r.comment() == null ? null : group(ID, r.comment());
                if (cid == null) {
                    if (r != null && r.target() != null) {
                        othersTargets.add(r.target());
                    }
                    continue;
                }
                if (!(cid.startsWith(id) || id.startsWith(cid))) {
                    othersTargets.add(r.target());
                    continue;
                }
                if (r.protocol() == null || r.ports().isEmpty() || r.target() == null) {
                    return "a jump for the container without protocol, port or target: " + line;
                }
                mine.add(r);
                mineNetworks.add(group(NAME, r.comment()));
            }
        }
        for (int i = 0; i < mine.size(); i++) {
            Rule jump = mine.get(i);
            boolean shared = othersTargets.contains(jump.target());
            for (String port : jump.ports()) {
                List<Rule> dnat = new ArrayList<>();
                for (String line : chains.getOrDefault(jump.target(), List.of())) {
                    if (!line.contains(" DNAT")) {
                        continue;
                    }
                    Rule r = rule(line);
                    if (r == null) {
                        return "a DNAT rule cnifix does not read: " + line;
                    }
                    if ("DNAT".equals(r.target()) && jump.protocol().equals(r.protocol()) && r.ports().equals(List.of(port))
                            && (jump.dest() == null || jump.dest().equals(r.dest()))) {
                        if (r.source() != null) {
                            return "a DNAT rule for some sources only: " + line;
                        }
                        dnat.add(r);
                    }
                }
                if (dnat.isEmpty()) {
                    return "no DNAT rule for " + jump.protocol() + "/" + port + " in " + jump.target();
                }
                if (shared && dnat.size() > 1) {
                    return jump.target() + " is shared and has " + dnat.size() + " DNAT rules for " + jump.protocol() + "/" + port;
                }
                for (Rule d : dnat) {
                    String problem = expand(id, name, mineNetworks.get(i), source, d, port, out);
                    if (problem != null) {
                        return problem;
                    }
                }
            }
        }
        return null;
    }

    /** The mappings of one DNAT rule for host port (or range) {@code port}; a problem, or null. */
    private static String expand(String id, String name, String network, String source, Rule d, String port, Set<PortMapping> out) {
        int colon = port.indexOf(':');
        int first = Integer.parseInt(colon < 0 ? port : port.substring(0, colon));
        int last = colon < 0 ? first : Integer.parseInt(port.substring(colon + 1));
        Matcher m = d.to() == null ? null : TO.matcher(d.to());
        if (m == null || !m.matches() || last < first) {
            return "a DNAT target cnifix does not read: " + d.to();
        }
        IpAddress ctr;
        IpAddress host;
        try {
            ctr = IpAddress.parse(m.group(1));
            host = d.dest() == null ? null : hostAddress(d.dest());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        Integer lo = m.group(2) == null ? null : Integer.valueOf(m.group(2));
        Integer hi = m.group(3) == null ? lo : Integer.valueOf(m.group(3));
        Integer base = m.group(4) == null ? null : Integer.valueOf(m.group(4));
        for (int h = first; h <= last; h++) {
            int c;
            if (lo == null) {
                c = h; // no port: the port is kept
            } else if (lo.equals(hi) && first == last) {
                c = lo;
            } else if (base != null) {
                c = lo + (h - base); // the kernel's shifted mapping
                if (c < lo || c > hi) {
                    return "host port " + h + " falls outside " + d.to();
                }
            } else {
                return "a port range without a base maps to any port: " + d.to();
            }
            if (c < 1 || c > 65535 || h < 1 || h > 65535) {
                return "a port out of range in " + d.to();
            }
            out.add(new PortMapping(id, name == null || name.isEmpty() ? id.substring(0, 12) : name, Engine.PODMAN, network,
                    d.protocol(), host, h, ctr, c, source));
        }
        return null;
    }

    private static IpAddress hostAddress(String dest) {
        int slash = dest.indexOf('/');
        IpAddress a = IpAddress.parse(slash < 0 ? dest : dest.substring(0, slash));
        if (slash >= 0 && !dest.substring(slash + 1).equals(a.isV4() ? "32" : "128")) {
            throw new IllegalArgumentException("a host address that is a network: " + dest);
        }
        return a.isUnspecified() ? null : a;
    }

    /**
     * The options these chains use; null for a rule with any other option (a negation, another match), which is
     * then not taken for one of the engine's.
     */
    private static Rule rule(String line) {
        List<String> w = RuleTokens.words(line);
        String proto = null;
        String source = null;
        String dest = null;
        String comment = null;
        String target = null;
        String to = null;
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            String o = w.get(i);
            String v = i + 1 < w.size() ? w.get(i + 1) : null;
            if (v == null) {
                return null;
            }
            switch (o) {
                case "-p" -> proto = v;
                case "-m" -> {
                    if (!List.of("tcp", "udp", "sctp", "multiport", "comment").contains(v)) {
                        return null;
                    }
                }
                case "-d" -> dest = v;
                case "-s" -> source = v; // the SETMARK rules have one, the engines' DNAT rules none
                case "--dport" -> ports.add(v);
                case "--dports" -> ports.addAll(List.of(v.split(",")));
                case "--comment" -> comment = v;
                case "-j" -> target = v;
                case "--to-destination" -> to = v;
                default -> {
                    return null;
                }
            }
            i++;
        }
        for (String p : ports) {
            if (!p.matches("\\d{1,5}(:\\d{1,5})?")) {
                return null;
            }
        }
        return new Rule(proto, ports, source, dest, comment, target, to);
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
