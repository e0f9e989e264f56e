package io.cnifix.ingest;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.Match;
import io.cnifix.model.Side;
import io.cnifix.model.Target;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Turns the words after {@code -A CHAIN} into typed matches and a target. */
final class RuleLineParser {
    private static final Set<String> GLOBAL = Set.of("-s", "--source", "--src", "-d", "--destination", "--dst",
            "-i", "--in-interface", "-o", "--out-interface", "-p", "--protocol", "-f", "--fragment", "-m", "--match",
            "-j", "--jump", "-g", "--goto", "-c", "--set-counters", "-4", "--ipv4", "-6", "--ipv6");

    private static final Set<String> OLD_NEGATABLE = Set.of("-s", "--source", "--src", "-d", "--destination",
            "--dst", "-i", "--in-interface", "-o", "--out-interface", "-p", "--protocol");

    private final String file;
    private final int line;
    private final Family family;
    private final RuleTokens tokens;
    private final Set<String> chains;
    private final NameTables names;
    private final List<String> notes;
    private int pos;
    private String protocol;
    final List<Match> matches = new ArrayList<>();
    Target target = new Target.None();

    RuleLineParser(String file, int line, Family family, RuleTokens tokens, int start, Set<String> chains,
                   NameTables names, List<String> notes) {
        this.file = file;
        this.line = line;
        this.family = family;
        this.chains = chains;
        this.names = names;
        this.notes = notes;
        this.pos = start;
        RuleTokens t = oldNegation(tokens, start);
        List<Integer> order = OptionOwners.order(t, start, chains);
        this.tokens = order == null ? t : t.reordered(start, order);
    }

    /**
     * iptables 1.3 saved {@code -d ! 10.0.0.0/8}; 1.8 refuses that spelling, but its meaning is plain, so it is
     * read as {@code ! -d 10.0.0.0/8}, with a note.
     */
    private RuleTokens oldNegation(RuleTokens t, int start) {
        List<Integer> order = null;
        for (int i = start; i + 2 < t.size(); i++) {
            if (t.raws.get(i + 1).equals("!") && OLD_NEGATABLE.contains(t.values.get(i))
                    && !OptionOwners.isOptionStart(t, i + 2)) {
                if (order == null) {
                    order = new ArrayList<>();
                    for (int k = start; k < t.size(); k++) {
                        order.add(k);
                    }
                }
                order.set(i - start, i + 1);
                order.set(i + 1 - start, i);
                notes.add(file + ":" + line + ": old spelling '" + t.values.get(i) + " ! " + t.values.get(i + 2)
                        + "' (iptables 1.3) read as '! " + t.values.get(i) + " " + t.values.get(i + 2)
                        + "'; iptables 1.8 refuses it, so rewrite it that way before restoring this file");
                i += 2;
            }
        }
        return order == null ? t : t.reordered(start, order);
    }

    void note(String text) {
        notes.add(file + ":" + line + ": " + text);
    }

    NameTables names() {
        return names;
    }

    InputException error(String message) {
        return new InputException(file, line, message);
    }

    static boolean isGlobal(String word) {
        return GLOBAL.contains(word);
    }

    /** True when the word at index i starts an option of some module (or a "!" that negates one). */
    boolean isModuleOption(int i) {
        if (i >= tokens.size()) {
            return false;
        }
        String w = tokens.values.get(i);
        if (w.equals("!")) {
            return isModuleOption(i + 1);
        }
        return tokens.raws.get(i).startsWith("--") && !GLOBAL.contains(w);
    }

    void parse() {
        boolean targetSeen = false;
        while (pos < tokens.size()) {
            String w = tokens.values.get(pos);
            boolean negated = false;
            if (w.equals("!")) {
                negated = true;
                pos++;
                if (pos >= tokens.size()) {
                    throw error("'!' at the end of the rule");
                }
                w = tokens.values.get(pos);
            }
            switch (w) {
                case "-s", "--source", "--src" -> matches.add(new Match.Address(Side.SOURCE, cidr(w, value()), negated));
                case "-d", "--destination", "--dst" ->
                        matches.add(new Match.Address(Side.DESTINATION, cidr(w, value()), negated));
                case "-i", "--in-interface" -> matches.add(new Match.Interface(Side.SOURCE, iface(w, value()), negated));
                case "-o", "--out-interface" -> matches.add(new Match.Interface(Side.DESTINATION, iface(w, value()), negated));
                case "-p", "--protocol" -> {
                    String p = value();
                    int number = Protocols.number(p, names);
                    if (number < 0) {
                        throw error("unknown protocol '" + p + "' for -p");
                    }
                    protocol = p.toLowerCase(java.util.Locale.ROOT);
                    matches.add(new Match.Protocol(p, number, negated));
                }
                case "-f", "--fragment" -> {
                    pos++;
                    matches.add(new Match.Fragment(negated));
                }
                case "-m", "--match" -> {
                    noNegation(negated, w);
                    String module = value();
                    if (!moduleName(module)) {
                        throw error("bad match module name '" + module + "'");
                    }
                    matches.add(new ModuleParser(this, module).parse());
                }
                case "-j", "--jump", "-g", "--goto" -> {
                    noNegation(negated, w);
                    if (targetSeen) {
                        throw error("more than one target in one rule");
                    }
                    targetSeen = true;
                    String name = value();
                    if (!targetName(name)) {
                        throw error("bad target or chain name '" + name + "' after " + w);
                    }
                    int argsStart = pos;
                    while (isModuleOption(pos)) {
                        pos++;
                        while (pos < tokens.size() && !tokens.raws.get(pos).startsWith("-") && !tokens.values.get(pos).equals("!")) {
                            pos++;
                        }
                    }
                    List<String> values = tokens.values.subList(argsStart, pos);
                    List<String> raws = tokens.raws.subList(argsStart, pos);
                    boolean isGoto = w.equals("-g") || w.equals("--goto");
                    target = new TargetParser(this, family).parse(name, isGoto, chains.contains(name), values, raws);
                }
                case "-c", "--set-counters" -> {
                    pos += 3;
                    if (pos > tokens.size()) {
                        throw error("-c needs two counter values");
                    }
                }
                case "-4", "--ipv4", "-6", "--ipv6" -> pos++;
                default -> {
                    if (tokens.raws.get(pos).startsWith("--") && protocol != null
                            && (protocol.equals("tcp") || protocol.equals("udp") || protocol.equals("sctp"))) {
                        // "-p tcp --dport 80" without "-m tcp": iptables loads the protocol's match by itself.
                        if (negated) {
                            pos--;
                        }
                        matches.add(new ModuleParser(this, protocol).parse());
                    } else {
                        throw error("unexpected '" + tokens.raws.get(pos) + "'"
                                + (tokens.raws.get(pos).startsWith("-") ? " (an option with no -m module before it)" : ""));
                    }
                }
            }
        }
    }

    /** [A-Za-z0-9_]+ (by hand: a regex per rule was a tenth of parsing a big dump). */
    private static boolean moduleName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** [^\s"'!]+ : no blank (as regex \s: space, tab, newline, vertical tab, form feed, return), quote or '!'. */
    private static boolean targetName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r' || c == '"' || c == '\'' || c == '!') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private void noNegation(boolean negated, String w) {
        if (negated) {
            throw error("'!' cannot negate " + w);
        }
    }

    /** Consumes an option word and returns its value. */
    String value() {
        String option = tokens.values.get(pos);
        pos++;
        if (pos >= tokens.size()) {
            throw error("option " + option + " needs a value");
        }
        return tokens.values.get(pos++);
    }

    RuleTokens tokens() {
        return tokens;
    }

    int pos() {
        return pos;
    }

    void pos(int p) {
        pos = p;
    }

    String protocol() {
        return protocol;
    }

    Family family() {
        return family;
    }

    Cidr cidr(String option, String text) {
        Cidr c;
        try {
            c = Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw error("bad address '" + text + "' for " + option + ": " + e.getMessage());
        }
        if (c.family() != family) {
            throw error("an " + (c.family() == Family.V4 ? "IPv4" : "IPv6") + " address '" + text + "' for " + option
                    + " in an " + (family == Family.V4 ? "iptables" : "ip6tables") + " dump");
        }
        return c;
    }

    private String iface(String option, String name) {
        if (name.isEmpty() || name.length() > 15 || name.indexOf('/') >= 0) {
            throw error("bad interface name '" + name + "' for " + option);
        }
        return name;
    }
}
