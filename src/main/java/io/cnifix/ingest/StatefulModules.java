package io.cnifix.ingest;

import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the modules that test address ranges, reverse paths, sets and the history of earlier packets. An option
 * whose meaning cnifix does not model keeps the whole module verbatim (unknown), as for any other module.
 */
final class StatefulModules {
    private StatefulModules() {
    }

    static Match parse(String module, ModuleParser.Collected c, RuleLineParser rule) {
        return switch (module) {
            case "iprange" -> iprange(c, rule);
            case "rpfilter" -> rpfilter(c);
            case "recent" -> recent(c, rule);
            case "limit" -> limit(c);
            case "hashlimit" -> hashlimit(c);
            case "connlimit" -> connlimit(c, rule);
            case "set" -> set(c, rule);
            default -> throw ModuleParser.notModelled();
        };
    }

    private static String one(ModuleParser.Opt o, RuleLineParser rule, String module) {
        if (o.args().size() != 1) {
            throw rule.error("option " + o.name() + " of -m " + module + " needs one value");
        }
        return o.args().get(0);
    }

    private static void noArgs(ModuleParser.Opt o, RuleLineParser rule, String module) {
        if (!o.args().isEmpty()) {
            throw rule.error("option " + o.name() + " of -m " + module + " takes no value, got '" + o.args().get(0) + "'");
        }
    }

    private static IpAddress[] range(String text, String option, RuleLineParser rule) {
        int dash = text.indexOf('-');
        try {
            IpAddress from = IpAddress.parse(dash < 0 ? text : text.substring(0, dash));
            IpAddress to = dash < 0 ? from : IpAddress.parse(text.substring(dash + 1));
            Family f = rule.family();
            if (from.family() != f || to.family() != f) {
                throw new IllegalArgumentException("address family does not match the dump");
            }
            return new IpAddress[] {from, to};
        } catch (IllegalArgumentException e) {
            throw rule.error("bad range '" + text + "' for " + option + " of -m iprange: " + e.getMessage());
        }
    }

    private static Match iprange(ModuleParser.Collected c, RuleLineParser rule) {
        IpAddress[] src = null;
        IpAddress[] dst = null;
        boolean srcNeg = false;
        boolean dstNeg = false;
        for (ModuleParser.Opt o : c.options()) {
            switch (o.name()) {
                case "--src-range" -> {
                    src = range(one(o, rule, "iprange"), o.name(), rule);
                    srcNeg = o.negated();
                }
                case "--dst-range" -> {
                    dst = range(one(o, rule, "iprange"), o.name(), rule);
                    dstNeg = o.negated();
                }
                default -> throw ModuleParser.notModelled();
            }
        }
        if (src == null && dst == null) {
            throw rule.error("-m iprange needs --src-range or --dst-range");
        }
        return new Match.IpRange(src == null ? null : src[0], src == null ? null : src[1], srcNeg,
                dst == null ? null : dst[0], dst == null ? null : dst[1], dstNeg);
    }

    private static Match rpfilter(ModuleParser.Collected c) {
        boolean loose = false;
        boolean validMark = false;
        boolean acceptLocal = false;
        boolean invert = false;
        for (ModuleParser.Opt o : c.options()) {
            if (o.negated() || !o.args().isEmpty()) {
                throw ModuleParser.notModelled();
            }
            switch (o.name()) {
                case "--loose" -> loose = true;
                case "--validmark" -> validMark = true;
                case "--accept-local" -> acceptLocal = true;
                case "--invert" -> invert = true;
                default -> throw ModuleParser.notModelled();
            }
        }
        return new Match.RpFilter(loose, validMark, acceptLocal, invert, c.raw());
    }

    private static Match recent(ModuleParser.Collected c, RuleLineParser rule) {
        String kind = null;
        boolean negated = false;
        String name = "DEFAULT";
        boolean dest = false;
        int seconds = 0;
        int hits = 0;
        boolean ttl = false;
        IpAddress mask = null;
        for (ModuleParser.Opt o : c.options()) {
            switch (o.name()) {
                case "--set", "--rcheck", "--update", "--remove" -> {
                    noArgs(o, rule, "recent");
                    if (kind != null) {
                        throw rule.error("-m recent takes only one of --set, --rcheck, --update and --remove");
                    }
                    kind = o.name().substring(2);
                    negated = o.negated();
                }
                case "--name" -> name = one(o, rule, "recent");
                case "--rsource" -> dest = false;
                case "--rdest" -> dest = true;
                case "--seconds" -> seconds = number(one(o, rule, "recent"), o.name(), rule);
                case "--hitcount" -> hits = number(one(o, rule, "recent"), o.name(), rule);
                case "--rttl" -> ttl = true;
                case "--reap" -> noArgs(o, rule, "recent");
                case "--mask" -> {
                    try {
                        mask = IpAddress.parse(one(o, rule, "recent"));
                    } catch (IllegalArgumentException e) {
                        throw rule.error("bad --mask for -m recent: " + e.getMessage());
                    }
                }
                default -> throw ModuleParser.notModelled();
            }
        }
        if (kind == null) {
            throw rule.error("-m recent needs one of --set, --rcheck, --update, --remove");
        }
        Match.Recent r = new Match.Recent(name, kind, dest, seconds, hits, ttl, mask, negated);
        // With no history, only this packet's own --set can have put its address in the list: see MatchEvaluator.
        Boolean first = kind.equals("set") ? !negated : negated;
        return new Match.Stateful("recent", first, r, c.raw());
    }

    private static int number(String s, String option, RuleLineParser rule) {
        try {
            long v = Long.parseLong(s);
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw rule.error("bad number '" + s + "' for " + option);
        }
    }

    /** A token bucket starts full: the first packet after a quiet spell always passes. */
    private static Match limit(ModuleParser.Collected c) {
        for (ModuleParser.Opt o : c.options()) {
            if (o.negated() || !(o.name().equals("--limit") || o.name().equals("--limit-burst"))) {
                throw ModuleParser.notModelled();
            }
        }
        return new Match.Stateful("limit", true, null, c.raw());
    }

    /** --hashlimit-upto passes while under the rate (a fresh bucket is), --hashlimit-above matches above it. */
    private static Match hashlimit(ModuleParser.Collected c) {
        Boolean first = null;
        for (ModuleParser.Opt o : c.options()) {
            if (o.negated() || o.name().equals("--hashlimit-rate-match") || o.name().equals("--hashlimit-rate-interval")) {
                throw ModuleParser.notModelled();
            }
            if (o.name().equals("--hashlimit-upto") || o.name().equals("--hashlimit")) {
                first = true;
            } else if (o.name().equals("--hashlimit-above")) {
                first = false;
            }
        }
        if (first == null) {
            throw ModuleParser.notModelled();
        }
        return new Match.Stateful("hashlimit", first, null, c.raw());
    }

    /** The kernel counts this connection too: a source with no others has one. */
    private static Match connlimit(ModuleParser.Collected c, RuleLineParser rule) {
        Boolean first = null;
        for (ModuleParser.Opt o : c.options()) {
            switch (o.name()) {
                case "--connlimit-above" -> first = (1 > number(one(o, rule, "connlimit"), o.name(), rule)) != o.negated();
                case "--connlimit-upto" -> first = (1 <= number(one(o, rule, "connlimit"), o.name(), rule)) != o.negated();
                case "--connlimit-mask", "--connlimit-saddr", "--connlimit-daddr" -> {
                    if (o.negated()) {
                        throw ModuleParser.notModelled();
                    }
                }
                default -> throw ModuleParser.notModelled();
            }
        }
        if (first == null) {
            throw rule.error("-m connlimit needs --connlimit-above or --connlimit-upto");
        }
        return new Match.Stateful("connlimit", first, null, c.raw());
    }

    private static Match set(ModuleParser.Collected c, RuleLineParser rule) {
        String name = null;
        List<Boolean> dirs = new ArrayList<>();
        boolean negated = false;
        boolean returnNomatch = false;
        boolean counters = false;
        for (ModuleParser.Opt o : c.options()) {
            switch (o.name()) {
                case "--match-set", "--set" -> {
                    if (o.args().size() != 2) {
                        throw rule.error("--match-set needs a set name and directions (src, dst), e.g. 'blocked src'");
                    }
                    if (name != null) {
                        throw ModuleParser.notModelled();
                    }
                    name = o.args().get(0);
                    negated = o.negated();
                    for (String d : o.args().get(1).split(",", -1)) {
                        if (!d.equals("src") && !d.equals("dst")) {
                            throw rule.error("bad direction '" + d + "' in --match-set (expected src or dst)");
                        }
                        dirs.add(d.equals("src"));
                    }
                    if (dirs.size() > 6) {
                        throw rule.error("--match-set takes at most 6 directions");
                    }
                }
                case "--return-nomatch" -> returnNomatch = true;
                case "--update-counters", "--update-subcounters" -> {
                    // Counting or not changes no verdict.
                }
                case "--packets-eq", "--packets-lt", "--packets-gt", "--bytes-eq", "--bytes-lt", "--bytes-gt" ->
                        counters = true;
                default -> throw ModuleParser.notModelled();
            }
        }
        if (name == null) {
            throw rule.error("-m set needs --match-set");
        }
        return new Match.SetMatch(name, dirs, negated, returnNomatch, counters, c.raw());
    }
}
