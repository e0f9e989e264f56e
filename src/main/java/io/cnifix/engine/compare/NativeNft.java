package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.NftTable;
import io.cnifix.model.NftTable.Condition;
import io.cnifix.model.NftTable.NftChain;
import io.cnifix.model.NftTable.NftRule;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Native nftables tables that iptables-save does not show (firewalld's {@code inet firewalld}, netavark's
 * {@code inet netavark}, Docker 29's {@code ip docker-bridges}) can also drop, DNAT or mark the forwarded packets
 * cnifix judges. cnifix does not simulate them; it only tells whether a base chain on the prerouting or forward
 * hook could change the fate of the first packet of a new connection to a published port, so that such a port is
 * reported as unknown, naming the table, chain and rule, instead of getting a verdict that may be wrong.
 * <p>
 * Conservative by construction: a condition cnifix cannot decide counts as "may match". An {@code accept} only
 * ends that base chain (the packet still meets iptables' chains on the same hook), so it never changes the
 * outcome by itself; a drop, reject, queue, DNAT/redirect or mark may.
 */
final class NativeNft {
    private static final int MAX_DEPTH = 32;

    /** A base chain that could decide the packets of one port, and why. */
    record Hit(NftTable table, NftChain chain, String why) {
        String describe() {
            return "nftables table " + table.label() + " (chain " + chain.name() + ", " + chain.hook() + " hook): " + why;
        }
    }

    private final List<NftTable> foreign = new ArrayList<>();

    NativeNft(List<NftTable> tables) {
        for (NftTable t : tables) {
            if (t.iptablesNft() || !(t.family().equals("ip") || t.family().equals("ip6") || t.family().equals("inet"))) {
                continue;
            }
            if (t.chains().stream().anyMatch(NativeNft::relevantHook)) {
                foreign.add(t);
            }
        }
    }

    private static boolean relevantHook(NftChain c) {
        return "prerouting".equals(c.hook()) || "forward".equals(c.hook());
    }

    boolean any() {
        return !foreign.isEmpty();
    }

    /** One note per foreign table with a prerouting or forward base chain. */
    List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        for (NftTable t : foreign) {
            List<String> chains = new ArrayList<>();
            for (NftChain c : t.chains()) {
                if (relevantHook(c)) {
                    chains.add(c.name() + " (" + c.hook() + ", policy " + c.policy() + ")");
                }
            }
            out.add(new Finding("note", t.label(), null, null, "native nftables table " + t.label()
                    + " has base chains cnifix does not evaluate: " + String.join(", ", chains)
                    + "; a published port whose packets they could drop, DNAT or mark is reported unknown"));
        }
        return out;
    }

    /** The first base chain (if any) that could decide the fate of a new connection to {@code m}. */
    Hit affecting(PortMapping m, String bridge) {
        if (foreign.isEmpty() || m.containerIp() == null) {
            return null;
        }
        Family f = m.containerIp().family();
        for (NftTable t : foreign) {
            if (t.family().equals("ip") && f != Family.V4 || t.family().equals("ip6") && f != Family.V6) {
                continue;
            }
            for (NftChain c : t.chains()) {
                if (!relevantHook(c)) {
                    continue;
                }
                Packet p = new Packet(c.hook().equals("forward"), f, m.protocol(), m.hostPort(), m.containerPort(),
                        bridge, m.containerIp());
                List<String> why = new ArrayList<>();
                boolean accepted = walk(t, c, p, why, new HashSet<>(), 0);
                if (!why.isEmpty()) {
                    return new Hit(t, c, why.get(0));
                }
                if (!accepted && "drop".equals(c.policy())) {
                    return new Hit(t, c, "policy drop");
                }
            }
        }
        return null;
    }

    /** The first packet of a new connection to a published port, as a chain on one hook sees it. */
    private record Packet(boolean forward, Family family, String protocol, int hostPort, int containerPort,
                          String bridge, IpAddress containerIp) {
    }

    private enum Tri { TRUE, FALSE, MAYBE }

    /** Walks a chain; adds what could decide to {@code why}; returns true when the packet is surely accepted. */
    private boolean walk(NftTable t, NftChain c, Packet p, List<String> why, Set<String> stack, int depth) {
        if (depth > MAX_DEPTH || !stack.add(c.name())) {
            why.add("chain " + c.name() + " is reached in a loop or too deep");
            return false;
        }
        try {
            for (NftRule r : c.rules()) {
                Tri cond = Tri.TRUE;
                for (Condition k : r.conditions()) {
                    Tri v = eval(k, p);
                    if (v == Tri.FALSE) {
                        cond = Tri.FALSE;
                        break;
                    }
                    if (v == Tri.MAYBE) {
                        cond = Tri.MAYBE;
                    }
                }
                if (cond == Tri.FALSE) {
                    continue;
                }
                String where = "rule handle " + r.handle() + (c.base() ? "" : " in chain " + c.name());
                for (String a : r.actions()) {
                    String verb = switch (a) {
                        case "drop" -> "drop them";
                        case "reject" -> "reject them";
                        case "queue" -> "queue them to user space";
                        case "dnat", "redirect" -> "rewrite their destination (" + a + ")";
                        case "mark" -> "set a mark iptables rules may test";
                        case "?" -> "take a verdict cnifix cannot read";
                        default -> null;
                    };
                    if (verb != null) {
                        why.add(where + (cond == Tri.TRUE ? " would " : " may ") + verb);
                        return false;
                    }
                    if (a.startsWith("jump:") || a.startsWith("goto:")) {
                        NftChain target = t.chain(a.substring(5));
                        if (target == null) {
                            why.add(where + " jumps to a chain not in the dump: " + a.substring(5));
                            return false;
                        }
                        if (walk(t, target, p, why, stack, depth + 1)) {
                            return true;
                        }
                        if (!why.isEmpty()) {
                            return false;
                        }
                    }
                }
                if (cond == Tri.TRUE && r.actions().size() == 1) {
                    String a = r.actions().get(0);
                    if (a.equals("accept")) {
                        return true; // the rest of this base chain never sees the packet
                    }
                    if (a.equals("return") || a.startsWith("goto:")) {
                        return false;
                    }
                }
            }
            return false;
        } finally {
            stack.remove(c.name());
        }
    }

    private static Tri not(Tri t) {
        return t == Tri.TRUE ? Tri.FALSE : t == Tri.FALSE ? Tri.TRUE : Tri.MAYBE;
    }

    private static Tri eval(Condition k, Packet p) {
        boolean negated = k.op().equals("!=");
        boolean positive = k.op().equals("==") || k.op().equals("in");
        if (!negated && !positive) {
            return Tri.MAYBE;
        }
        Tri t = evalPositive(k.key(), k.values(), p);
        return negated ? not(t) : t;
    }

    /** Whether {@code key == one of values} holds for the packet. */
    private static Tri evalPositive(String key, List<String> values, Packet p) {
        switch (key) {
            case "iifname", "iif" -> {
                // From outside: not loopback, not a container bridge; its name is not known.
                for (String v : values) {
                    if (!v.equals("lo") && !matchesName(v, p.bridge()) || v.endsWith("*")) {
                        return Tri.MAYBE;
                    }
                }
                return Tri.FALSE;
            }
            case "oifname", "oif" -> {
                if (!p.forward()) {
                    return values.stream().anyMatch(v -> v.isEmpty()) ? Tri.MAYBE : Tri.FALSE;
                }
                if (p.bridge() == null) {
                    return Tri.MAYBE;
                }
                return values.stream().anyMatch(v -> matchesName(v, p.bridge())) ? Tri.TRUE : Tri.FALSE;
            }
            case "ct state" -> {
                return values.contains("new") ? Tri.TRUE : values.contains("?") ? Tri.MAYBE : Tri.FALSE;
            }
            case "ct status" -> {
                if (p.forward() && values.contains("dnat")) {
                    return Tri.TRUE;
                }
                return Tri.MAYBE;
            }
            case "l4proto", "ip protocol", "ip6 nexthdr" -> {
                String number = switch (p.protocol()) {
                    case "tcp" -> "6";
                    case "udp" -> "17";
                    case "sctp" -> "132";
                    default -> "?";
                };
                if (values.contains(p.protocol()) || values.contains(number)) {
                    return Tri.TRUE;
                }
                return values.contains("?") ? Tri.MAYBE : Tri.FALSE;
            }
            case "nfproto" -> {
                String fam = p.family() == Family.V4 ? "ipv4" : "ipv6";
                return values.contains(fam) ? Tri.TRUE : values.contains("?") ? Tri.MAYBE : Tri.FALSE;
            }
            default -> {
            }
        }
        int space = key.indexOf(' ');
        if (space < 0) {
            return Tri.MAYBE;
        }
        String proto = key.substring(0, space);
        String field = key.substring(space + 1);
        if (proto.equals("ip") || proto.equals("ip6")) {
            if ((proto.equals("ip") ? Family.V4 : Family.V6) != p.family()) {
                return Tri.FALSE;
            }
            if (field.equals("daddr") && p.forward()) {
                return containsAddress(values, p.containerIp());
            }
            return Tri.MAYBE;
        }
        if (proto.equals("tcp") || proto.equals("udp") || proto.equals("sctp") || proto.equals("th")) {
            if (!proto.equals("th") && !proto.equals(p.protocol())) {
                return Tri.FALSE;
            }
            if (field.equals("dport")) {
                Tri c = containsPort(values, p.containerPort());
                if (p.forward()) {
                    return c;
                }
                Tri h = containsPort(values, p.hostPort());
                // Before or after iptables' DNAT: either port may be seen.
                return c == Tri.FALSE && h == Tri.FALSE ? Tri.FALSE : Tri.MAYBE;
            }
            return Tri.MAYBE;
        }
        return Tri.MAYBE;
    }

    private static boolean matchesName(String pattern, String name) {
        if (name == null) {
            return false;
        }
        if (pattern.endsWith("*")) {
            return name.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(name);
    }

    private static Tri containsPort(List<String> values, int port) {
        boolean unsure = false;
        for (String v : values) {
            try {
                int dash = v.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? v : v.substring(0, dash));
                int hi = dash < 0 ? lo : Integer.parseInt(v.substring(dash + 1));
                if (port >= lo && port <= hi) {
                    return Tri.TRUE;
                }
            } catch (NumberFormatException e) {
                unsure = true; // a service name or a named set
            }
        }
        return unsure ? Tri.MAYBE : Tri.FALSE;
    }

    private static Tri containsAddress(List<String> values, IpAddress ip) {
        boolean unsure = false;
        for (String v : values) {
            try {
                Cidr c = v.contains("/") ? Cidr.parse(v) : Cidr.host(IpAddress.parse(v));
                if (c.family() == ip.family() && c.contains(ip)) {
                    return Tri.TRUE;
                }
            } catch (RuntimeException e) {
                unsure = true; // a range, a named set
            }
        }
        return unsure ? Tri.MAYBE : Tri.FALSE;
    }
}
