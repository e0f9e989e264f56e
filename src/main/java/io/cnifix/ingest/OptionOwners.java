package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts every option of a rule next to the extension that owns it. iptables reads a rule with getopt, so an option
 * belongs to whichever loaded extension declares it, wherever it is written: {@code -m multiport -j ACCEPT --dports
 * 22,80} is a multiport match and a plain ACCEPT. The parser reads an extension's options right after it, so this
 * moves each option there first.
 */
final class OptionOwners {
    private static final Set<String> PORTS = Set.of("--sport", "--source-port", "--dport", "--destination-port");
    private static final Map<String, Set<String>> MODULES = Map.ofEntries(
            Map.entry("tcp", union(PORTS, Set.of("--tcp-flags", "--syn", "--tcp-option"))),
            Map.entry("udp", PORTS),
            Map.entry("sctp", union(PORTS, Set.of("--chunk-types"))),
            Map.entry("multiport", Set.of("--sports", "--source-ports", "--dports", "--destination-ports", "--ports")),
            Map.entry("conntrack", Set.of("--ctstate", "--ctstatus", "--ctorigsrc", "--ctorigdst", "--ctreplsrc",
                    "--ctrepldst", "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport",
                    "--ctproto", "--ctdir", "--ctexpire")),
            Map.entry("state", Set.of("--state")),
            Map.entry("addrtype", Set.of("--src-type", "--dst-type", "--limit-iface-in", "--limit-iface-out")),
            Map.entry("comment", Set.of("--comment")),
            Map.entry("mark", Set.of("--mark")),
            Map.entry("connmark", Set.of("--mark")),
            Map.entry("icmp", Set.of("--icmp-type")),
            Map.entry("icmp6", Set.of("--icmpv6-type")),
            Map.entry("iprange", Set.of("--src-range", "--dst-range")),
            Map.entry("rpfilter", Set.of("--loose", "--validmark", "--accept-local", "--invert")),
            Map.entry("recent", Set.of("--set", "--rcheck", "--update", "--remove", "--seconds", "--reap",
                    "--hitcount", "--rttl", "--name", "--mask", "--rsource", "--rdest")),
            Map.entry("limit", Set.of("--limit", "--limit-burst")),
            Map.entry("hashlimit", Set.of("--hashlimit", "--hashlimit-upto", "--hashlimit-above", "--hashlimit-burst",
                    "--hashlimit-mode", "--hashlimit-name", "--hashlimit-srcmask", "--hashlimit-dstmask",
                    "--hashlimit-htable-size", "--hashlimit-htable-max", "--hashlimit-htable-expire",
                    "--hashlimit-htable-gcinterval", "--hashlimit-rate-match", "--hashlimit-rate-interval")),
            Map.entry("connlimit", Set.of("--connlimit-upto", "--connlimit-above", "--connlimit-mask",
                    "--connlimit-saddr", "--connlimit-daddr")),
            Map.entry("set", Set.of("--match-set", "--set", "--return-nomatch", "--update-counters",
                    "--update-subcounters", "--packets-eq", "--packets-lt", "--packets-gt", "--bytes-eq", "--bytes-lt",
                    "--bytes-gt")),
            Map.entry("mac", Set.of("--mac-source")),
            Map.entry("rt", Set.of("--rt-type", "--rt-segsleft", "--rt-len", "--rt-0-res", "--rt-0-addrs", "--rt-0-not-strict")),
            Map.entry("frag", Set.of("--fragid", "--fraglen", "--fragres", "--fragfirst", "--fragmore", "--fraglast")),
            Map.entry("hbh", Set.of("--hbh-len", "--hbh-opts")),
            Map.entry("dst", Set.of("--dst-len", "--dst-opts")));
    private static final Map<String, Set<String>> TARGETS = Map.ofEntries(
            Map.entry("ACCEPT", Set.of()), Map.entry("DROP", Set.of()), Map.entry("RETURN", Set.of()),
            Map.entry("QUEUE", Set.of()), Map.entry("NOTRACK", Set.of()),
            Map.entry("REJECT", Set.of("--reject-with")),
            Map.entry("DNAT", Set.of("--to-destination", "--random", "--persistent")),
            Map.entry("SNAT", Set.of("--to-source", "--to", "--random", "--random-fully", "--persistent")),
            Map.entry("MASQUERADE", Set.of("--to-ports", "--random", "--random-fully")),
            Map.entry("REDIRECT", Set.of("--to-ports", "--random")),
            Map.entry("MARK", Set.of("--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark")),
            Map.entry("CONNMARK", Set.of("--save-mark", "--restore-mark", "--set-xmark", "--set-mark", "--nfmask",
                    "--ctmask", "--mask", "--and-mark", "--or-mark", "--xor-mark")),
            Map.entry("LOG", Set.of("--log-level", "--log-prefix", "--log-tcp-sequence", "--log-tcp-options",
                    "--log-ip-options", "--log-uid", "--log-macdecode")),
            Map.entry("NFLOG", Set.of("--nflog-group", "--nflog-prefix", "--nflog-range", "--nflog-size",
                    "--nflog-threshold")),
            Map.entry("CT", Set.of("--notrack", "--helper", "--ctevents", "--expevents", "--zone", "--zone-orig",
                    "--zone-reply", "--timeout")),
            Map.entry("TCPMSS", Set.of("--set-mss", "--clamp-mss-to-pmtu")),
            Map.entry("SET", Set.of("--add-set", "--del-set", "--map-set", "--exist", "--timeout")));

    private OptionOwners() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }

    /** One option word with its "!" before it and its values after it: token positions {@code from} to {@code to}-1. */
    private record Unit(int from, int to, String option) {
        int size() {
            return to - from;
        }
    }

    /** A run of units the parser reads together: one global option, a -m module, or the target. */
    private static final class Segment {
        final String module;
        final String target;
        final List<Unit> units = new ArrayList<>();

        Segment(String module, String target) {
            this.module = module;
            this.target = target;
        }
    }

    /**
     * The token positions from {@code start} in the order the parser should read them, or null when nothing moves.
     * {@code chains}: the table's chains, whose jumps take no options.
     */
    static List<Integer> order(RuleTokens t, int start, Set<String> chains) {
        return inPlace(t, start, chains) ? null : reading(t, start, chains);
    }

    /** {@link #order} without the shortcut. */
    static List<Integer> reading(RuleTokens t, int start, Set<String> chains) {
        List<Unit> units = units(t, start);
        List<Segment> segments = new ArrayList<>();
        Segment target = null;
        String protocol = null;
        boolean moved = false;
        for (Unit u : units) {
            String o = u.option();
            if (o.equals("-m") || o.equals("--match")) {
                Segment s = new Segment(u.size() > 1 ? t.values.get(u.from() + 1) : "", null);
                s.units.add(u);
                segments.add(s);
                continue;
            }
            if (o.equals("-j") || o.equals("--jump") || o.equals("-g") || o.equals("--goto")) {
                String name = u.size() > 1 ? t.values.get(u.from() + 1) : "";
                target = new Segment(null, chains.contains(name) ? "ACCEPT" : name);
                target.units.add(u);
                segments.add(target);
                continue;
            }
            if (o.equals("-p") || o.equals("--protocol")) {
                protocol = u.size() > 1 ? t.values.get(u.to() - 1) : null;
            }
            Segment owner = owner(o, segments, target, protocol);
            if (owner == null) {
                Segment s = new Segment(null, null);
                s.units.add(u);
                if (target != null && !RuleLineParser.isGlobal(o) && segments.get(segments.size() - 1) == target) {
                    // Left to the protocol's implicit match (or an error): read before the target's options.
                    segments.add(segments.indexOf(target), s);
                    moved = true;
                } else {
                    segments.add(s);
                }
            } else {
                moved |= owner != segments.get(segments.size() - 1);
                owner.units.add(u);
            }
        }
        if (!moved) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (Segment s : segments) {
            for (Unit u : s.units) {
                for (int p = u.from(); p < u.to(); p++) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * True when every option already follows its owner, as iptables-save writes them: each module option right
     * after its -m (or an earlier option of it), each target option after the target, global options anywhere
     * before the target. It decides without building units or segments; anything else (false) goes through
     * {@link #order}'s full reading, which may still find that nothing moves.
     */
    static boolean inPlace(RuleTokens t, int start, Set<String> chains) {
        String module = null;
        Set<String> targetClaims = null;
        boolean targetSeen = false;
        boolean lastIsTarget = false;
        int i = start;
        int n = t.size();
        while (i < n) {
            int from = i;
            if (t.raws.get(i).equals("!")) {
                i++;
                if (i >= n) {
                    return false;
                }
            }
            String o = t.values.get(i);
            i++;
            while (i < n && !isOptionStart(t, i)) {
                i++;
            }
            boolean hasValue = i - from > 1;
            if (o.equals("-m") || o.equals("--match")) {
                module = hasValue ? t.values.get(from + 1) : "";
                lastIsTarget = false;
            } else if (o.equals("-j") || o.equals("--jump") || o.equals("-g") || o.equals("--goto")) {
                if (targetSeen) {
                    return false;
                }
                String name = hasValue ? t.values.get(from + 1) : "";
                targetClaims = TARGETS.get(chains.contains(name) ? "ACCEPT" : name);
                if (targetClaims == null) {
                    return false;
                }
                targetSeen = true;
                lastIsTarget = true;
                module = null;
            } else if (!o.startsWith("--") || RuleLineParser.isGlobal(o)) {
                if (targetSeen) {
                    return false;
                }
                module = null;
            } else if (lastIsTarget) {
                if (!targetClaims.contains(o)) {
                    return false;
                }
            } else {
                Set<String> claims = module == null ? null : MODULES.get(module);
                if (claims == null || !claims.contains(o) || (targetClaims != null && targetClaims.contains(o))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Segment owner(String option, List<Segment> segments, Segment target, String protocol) {
        if (!option.startsWith("--") || RuleLineParser.isGlobal(option)) {
            return null;
        }
        Set<String> targetClaims = target == null ? null : TARGETS.get(target.target);
        if (targetClaims != null && targetClaims.contains(option)) {
            return target;
        }
        for (int i = segments.size() - 1; i >= 0; i--) {
            Segment s = segments.get(i);
            Set<String> claims = s.module == null ? null : MODULES.get(s.module);
            if (claims != null && claims.contains(option)) {
                return s;
            }
        }
        String p = protocol == null ? null : protocol.toLowerCase(java.util.Locale.ROOT);
        if (p != null && MODULES.containsKey(p) && MODULES.get(p).contains(option) && Set.of("tcp", "udp", "sctp").contains(p)) {
            return null;
        }
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        if (last != null && last.module != null && !MODULES.containsKey(last.module)) {
            return last;
        }
        if (target != null && targetClaims == null) {
            return target;
        }
        return last != null && (last.module != null || last == target) ? last : null;
    }

    private static List<Unit> units(RuleTokens t, int start) {
        List<Unit> out = new ArrayList<>();
        int i = start;
        while (i < t.size()) {
            int from = i;
            if (t.raws.get(i).equals("!")) {
                i++;
                if (i >= t.size()) {
                    out.add(new Unit(from, i, "!"));
                    break;
                }
            }
            String option = t.values.get(i);
            i++;
            while (i < t.size() && !isOptionStart(t, i)) {
                i++;
            }
            out.add(new Unit(from, i, option));
        }
        return out;
    }

    static boolean isOptionStart(RuleTokens t, int p) {
        String raw = t.raws.get(p);
        if (raw.equals("!")) {
            return true;
        }
        return raw.length() > 1 && raw.charAt(0) == '-' && !Character.isDigit(raw.charAt(1));
    }
}
