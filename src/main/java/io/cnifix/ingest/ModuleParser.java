package io.cnifix.ingest;

import io.cnifix.model.Cidr;
import io.cnifix.model.Match;
import io.cnifix.model.PortRange;
import io.cnifix.model.Side;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses the options of one {@code -m MODULE}. A module cnifix models becomes a typed match; an unknown module,
 * or a known one with an option cnifix does not model, is kept verbatim as {@link Match.Unknown}.
 */
final class ModuleParser {
    private static final Set<String> CT_STATES = Set.of("INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT");
    private static final Set<String> CT_STATUSES = Set.of("NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED");
    private static final Set<String> STATES = Set.of("INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED");
    private static final Set<String> ADDR_TYPES = Set.of("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
            "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE");
    private static final String[] TCP_FLAGS = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

    private final RuleLineParser rule;
    private final String module;
    private final RuleTokens t;
    private final int start;

    ModuleParser(RuleLineParser rule, String module) {
        this.rule = rule;
        this.module = module;
        this.t = rule.tokens();
        this.start = rule.pos();
    }

    /** Signals an option this module's model does not cover: keep the whole module verbatim. */
    private static final class NotModelled extends RuntimeException {
        NotModelled() {
            super(null, null, false, false);
        }
    }

    Match parse() {
        try {
            Match m = switch (module) {
                case "tcp", "udp", "sctp" -> ports();
                case "multiport" -> multiport();
                case "conntrack" -> conntrack();
                case "state" -> state();
                case "addrtype" -> addrtype();
                case "comment" -> comment();
                case "mark", "connmark" -> mark();
                case "icmp", "icmp6" -> icmp();
                case "rt", "frag", "hbh", "dst" -> extensionHeader();
                case "iprange", "rpfilter", "recent", "limit", "hashlimit", "connlimit", "set" -> StatefulModules.parse(
                        module, collect(), rule);
                default -> throw new NotModelled();
            };
            if (rule.isModuleOption(rule.pos())) {
                throw new NotModelled();
            }
            return m;
        } catch (NotModelled e) {
            rule.pos(start);
            List<String> raw = new ArrayList<>();
            while (rule.isModuleOption(rule.pos())) {
                int p = rule.pos();
                raw.add(t.raws.get(p++));
                while (p < t.size() && !t.raws.get(p).startsWith("--") && !isOptionStart(p)) {
                    raw.add(t.raws.get(p++));
                }
                rule.pos(p);
            }
            return new Match.Unknown(module, raw);
        }
    }

    /** One option of the module as written: "!" before it, its name, its values, and the raw words. */
    record Opt(boolean negated, String name, List<String> args) {
    }

    record Collected(List<Opt> options, List<String> raw) {
    }

    /** Reads every option of this module at the cursor. */
    private Collected collect() {
        List<Opt> opts = new ArrayList<>();
        List<String> raw = new ArrayList<>();
        while (rule.isModuleOption(rule.pos())) {
            int p = rule.pos();
            boolean neg = false;
            if (t.values.get(p).equals("!")) {
                neg = true;
                raw.add(t.raws.get(p++));
            }
            String name = t.values.get(p);
            raw.add(t.raws.get(p++));
            List<String> args = new ArrayList<>();
            while (p < t.size() && !t.raws.get(p).startsWith("--") && !isOptionStart(p)) {
                args.add(t.values.get(p));
                raw.add(t.raws.get(p++));
            }
            rule.pos(p);
            opts.add(new Opt(neg, name, args));
        }
        return new Collected(opts, raw);
    }

    /** Thrown by module readers for an option whose meaning cnifix does not model: the module is kept verbatim. */
    static RuntimeException notModelled() {
        return new NotModelled();
    }

    private boolean isOptionStart(int p) {
        String raw = t.raws.get(p);
        if (raw.equals("!")) {
            return true;
        }
        return raw.length() > 1 && raw.charAt(0) == '-' && !Character.isDigit(raw.charAt(1));
    }

    /** Reads "[!] --option" at the cursor; returns the option name, sets negated. */
    private boolean negated;

    private String option() {
        int p = rule.pos();
        negated = false;
        if (t.values.get(p).equals("!")) {
            negated = true;
            p++;
        }
        rule.pos(p + 1);
        return t.values.get(p);
    }

    private String arg(String option) {
        int p = rule.pos();
        if (p >= t.size()) {
            throw rule.error("option " + option + " of -m " + module + " needs a value");
        }
        rule.pos(p + 1);
        return t.values.get(p);
    }

    private PortRange range(String option, String text) {
        int[] b = bounds(option, text, module);
        if (b[0] > b[1]) {
            throw rule.error("bad port '" + text + "' for " + option + " of -m " + module + ": invalid port range (min > max)");
        }
        return new PortRange(b[0], b[1]);
    }

    /** {@code a}, {@code a:b}, {@code :b}, {@code a:}; each a number or a service name of {@code proto}. */
    private int[] bounds(String option, String text, String proto) {
        int sep = text.indexOf(':');
        if (sep < 0) {
            int p = port(option, text, proto);
            return new int[] {p, p};
        }
        String a = text.substring(0, sep);
        String b = text.substring(sep + 1);
        return new int[] {a.isEmpty() ? 0 : port(option, a, proto), b.isEmpty() ? 65535 : port(option, b, proto)};
    }

    private int port(String option, String text, String proto) {
        if (!text.isEmpty() && text.length() <= 5 && digits(text)) {
            int v = Integer.parseInt(text);
            if (v <= 65535) {
                return v;
            }
        }
        int p = proto == null ? -1 : rule.names().port(text, proto);
        if (p < 0) {
            throw rule.error("bad port '" + text + "' for " + option + " of -m " + module
                    + ": not a port number or a " + (proto == null ? "" : proto + " ") + "service name");
        }
        return p;
    }

    /** Character.isDigit on each (by hand: a stream per port was most of reading a port). */
    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The protocol name service names are looked up with: -p as written, numbers turned into names. */
    private String ruleProtocol() {
        String p = rule.protocol();
        if (p == null) {
            return null;
        }
        return switch (p) {
            case "6" -> "tcp";
            case "17" -> "udp";
            case "132" -> "sctp";
            default -> p;
        };
    }

    private Match.PortCondition portCondition(Side side, String option, String text) {
        int[] b = bounds(option, text, module);
        if (b[0] > b[1]) {
            // An older iptables saved it and the kernel holds it: no port lies in it, so the rule never matches.
            rule.note("'" + option + " " + text + "' is a reversed port range: the kernel holds it and it matches"
                    + " no port" + (negated ? " (negated: every port)" : ", so this rule never matches"));
            return new Match.PortNever(side, b[0], b[1], negated);
        }
        return new Match.PortIs(side, new PortRange(b[0], b[1]), negated);
    }

    private Match ports() {
        List<Match.PortCondition> conditions = new ArrayList<>();
        while (rule.isModuleOption(rule.pos())) {
            String o = option();
            switch (o) {
                case "--sport", "--source-port" -> conditions.add(portCondition(Side.SOURCE, o, arg(o)));
                case "--dport", "--destination-port" -> conditions.add(portCondition(Side.DESTINATION, o, arg(o)));
                case "--tcp-flags" -> {
                    if (!module.equals("tcp")) {
                        throw new NotModelled();
                    }
                    String mask = arg(o);
                    String comp = arg(o);
                    conditions.add(new Match.TcpFlags(flags(mask), flags(comp), mask, comp, negated));
                }
                case "--syn" -> {
                    if (!module.equals("tcp")) {
                        throw new NotModelled();
                    }
                    // iptables-save writes --syn as its --tcp-flags form.
                    conditions.add(new Match.TcpFlags(0x17, 0x02, "FIN,SYN,RST,ACK", "SYN", negated));
                }
                default -> throw new NotModelled();
            }
        }
        return new Match.Ports(module, conditions);
    }

    private int flags(String text) {
        int bits = 0;
        for (String f : text.split(",")) {
            String up = f.toUpperCase(Locale.ROOT);
            if (up.equals("ALL")) {
                bits |= 0xff;
            } else if (!up.equals("NONE")) {
                int i = 0;
                while (i < TCP_FLAGS.length && !TCP_FLAGS[i].equals(up)) {
                    i++;
                }
                if (i == TCP_FLAGS.length) {
                    throw rule.error("unknown TCP flag '" + f + "' in --tcp-flags");
                }
                bits |= 1 << i;
            }
        }
        return bits;
    }

    private Match multiport() {
        if (!rule.isModuleOption(rule.pos())) {
            throw rule.error("-m multiport needs --sports, --dports or --ports");
        }
        String o = option();
        Side side = switch (o) {
            case "--sports", "--source-ports" -> Side.SOURCE;
            case "--dports", "--destination-ports" -> Side.DESTINATION;
            case "--ports" -> null;
            default -> throw new NotModelled();
        };
        List<PortRange> ranges = new ArrayList<>();
        for (String p : arg(o).split(",", -1)) {
            int[] b = bounds(o, p, ruleProtocol());
            if (b[0] > b[1]) {
                throw rule.error("bad port '" + p + "' for " + o + " of -m multiport: invalid port range (min > max)");
            }
            ranges.add(new PortRange(b[0], b[1]));
        }
        if (ranges.size() > 15) {
            throw rule.error("-m multiport takes at most 15 ports, got " + ranges.size());
        }
        return new Match.Multiport(side, ranges, negated);
    }

    private Set<String> names(String option, String text, Set<String> allowed) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : text.split(",", -1)) {
            String up = s.toUpperCase(Locale.ROOT);
            if (!allowed.contains(up)) {
                throw rule.error("unknown value '" + s + "' for " + option + " (expected one of " + new java.util.TreeSet<>(allowed) + ")");
            }
            out.add(up);
        }
        return out;
    }

    private Match conntrack() {
        List<Match.CtCondition> conditions = new ArrayList<>();
        while (rule.isModuleOption(rule.pos())) {
            String o = option();
            switch (o) {
                case "--ctstate" -> {
                    String v = arg(o);
                    conditions.add(new Match.CtStates(false, names(o, v, CT_STATES), v, negated));
                }
                case "--ctstatus" -> {
                    String v = arg(o);
                    conditions.add(new Match.CtStates(true, names(o, v, CT_STATUSES), v, negated));
                }
                case "--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst" -> {
                    Cidr c = rule.cidr(o, arg(o));
                    conditions.add(new Match.CtAddress(o.startsWith("--ctrepl"), o.endsWith("src") ? Side.SOURCE : Side.DESTINATION, c, negated));
                }
                case "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport" -> {
                    PortRange r = range(o, arg(o));
                    conditions.add(new Match.CtPort(o.startsWith("--ctrepl"), o.contains("srcport") ? Side.SOURCE : Side.DESTINATION, r, negated));
                }
                case "--ctproto" -> {
                    String p = arg(o);
                    int n = Protocols.number(p, rule.names());
                    if (n < 0) {
                        throw rule.error("unknown protocol '" + p + "' for --ctproto");
                    }
                    conditions.add(new Match.CtProto(p, n, negated));
                }
                case "--ctdir" -> {
                    String d = arg(o).toUpperCase(Locale.ROOT);
                    if (!d.equals("ORIGINAL") && !d.equals("REPLY")) {
                        throw rule.error("--ctdir takes ORIGINAL or REPLY, got '" + d + "'");
                    }
                    conditions.add(new Match.CtDirection(d.equals("REPLY")));
                }
                default -> throw new NotModelled();
            }
        }
        return new Match.Conntrack(conditions);
    }

    private Match state() {
        if (!rule.isModuleOption(rule.pos())) {
            throw rule.error("-m state needs --state");
        }
        String o = option();
        if (!o.equals("--state")) {
            throw new NotModelled();
        }
        String v = arg(o);
        return new Match.State(names(o, v, STATES), v, negated);
    }

    private Match addrtype() {
        String src = null;
        String dst = null;
        boolean srcNeg = false;
        boolean dstNeg = false;
        boolean in = false;
        boolean out = false;
        while (rule.isModuleOption(rule.pos())) {
            String o = option();
            switch (o) {
                case "--src-type" -> {
                    src = String.join(",", names(o, arg(o), ADDR_TYPES));
                    srcNeg = negated;
                }
                case "--dst-type" -> {
                    dst = String.join(",", names(o, arg(o), ADDR_TYPES));
                    dstNeg = negated;
                }
                case "--limit-iface-in" -> in = true;
                case "--limit-iface-out" -> out = true;
                default -> throw new NotModelled();
            }
        }
        return new Match.AddrType(src, srcNeg, dst, dstNeg, in, out);
    }

    private Match comment() {
        if (!rule.isModuleOption(rule.pos())) {
            throw rule.error("-m comment needs --comment");
        }
        String o = option();
        if (!o.equals("--comment") || negated) {
            throw new NotModelled();
        }
        String text = arg(o);
        if (text.length() > 256) {
            throw rule.error("comment longer than 256 characters");
        }
        return new Match.Comment(text);
    }

    private Match mark() {
        if (!rule.isModuleOption(rule.pos())) {
            throw rule.error("-m " + module + " needs --mark");
        }
        String o = option();
        if (!o.equals("--mark")) {
            throw new NotModelled();
        }
        long[] vm = MarkValues.parse(arg(o), rule, "--mark");
        return new Match.Mark(module.equals("connmark"), vm[0], vm[1], negated);
    }

    /** IPv6 extension header matches: they fail on a packet without that header. */
    private Match extensionHeader() {
        if (rule.family() != io.cnifix.model.Family.V6) {
            throw new NotModelled();
        }
        Collected c = collect();
        return new Match.ExtensionHeader(module, c.raw());
    }

    private Match icmp() {
        if (!rule.isModuleOption(rule.pos())) {
            throw new NotModelled();
        }
        String o = option();
        boolean v6 = module.equals("icmp6");
        if (!o.equals(v6 ? "--icmpv6-type" : "--icmp-type")) {
            throw new NotModelled();
        }
        return new Match.Icmp(v6, arg(o), negated);
    }
}
