package io.cnifix.ingest;

import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortRange;
import io.cnifix.model.Target;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parses {@code -j NAME [options]} or {@code -g CHAIN}. */
final class TargetParser {
    /** Targets that never end a packet's traversal and change nothing the simulator reads. */
    private static final Set<String> CONTINUING = Set.of("LOG", "NFLOG", "ULOG", "CHECKSUM", "TCPMSS", "TRACE",
            "CLASSIFY", "DSCP", "TOS", "TTL", "HL", "ECN", "SECMARK", "CONNSECMARK", "AUDIT", "IDLETIMER", "LED",
            "RATEEST", "TEE", "SET", "HMARK");
    private static final Set<String> REJECT_V4 = Set.of("icmp-net-unreachable", "icmp-host-unreachable",
            "icmp-port-unreachable", "icmp-proto-unreachable", "icmp-net-prohibited", "icmp-host-prohibited",
            "icmp-admin-prohibited", "tcp-reset", "net-unreach", "host-unreach", "port-unreach", "proto-unreach",
            "net-prohib", "host-prohib", "admin-prohib", "tcp-rst");
    private static final Set<String> REJECT_V6 = Set.of("icmp6-no-route", "no-route", "icmp6-adm-prohibited",
            "adm-prohibited", "icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable", "port-unreach",
            "icmp6-policy-fail", "policy-fail", "icmp6-reject-route", "reject-route", "tcp-reset", "tcp-rst");

    /** Targets without options are values: one object each serves every rule (58,000 REJECTs in a big dump). */
    private static final Target ACCEPT = new Target.Accept();
    private static final Target DROP = new Target.Drop();
    private static final Target RETURN = new Target.Return();
    private static final Target.Reject REJECT = new Target.Reject(null);
    private static final java.util.Map<String, Target.Reject> REJECTS = rejects();

    private static java.util.Map<String, Target.Reject> rejects() {
        java.util.Map<String, Target.Reject> m = new java.util.HashMap<>();
        for (String with : REJECT_V4) {
            m.put(with, new Target.Reject(with));
        }
        for (String with : REJECT_V6) {
            m.putIfAbsent(with, new Target.Reject(with));
        }
        return java.util.Map.copyOf(m);
    }

    private final RuleLineParser rule;
    private final Family family;

    TargetParser(RuleLineParser rule, Family family) {
        this.rule = rule;
        this.family = family;
    }

    Target parse(String name, boolean isGoto, boolean isChain, List<String> values, List<String> raws) {
        if (isGoto) {
            if (!isChain) {
                throw rule.error("-g " + name + ": no such chain in this table");
            }
            noArgs(name, values);
            return new Target.Goto(name);
        }
        if (isChain) {
            noArgs(name, values);
            return new Target.Jump(name);
        }
        switch (name) {
            case "ACCEPT":
                noArgs(name, values);
                return ACCEPT;
            case "DROP":
                noArgs(name, values);
                return DROP;
            case "RETURN":
                noArgs(name, values);
                return RETURN;
            case "REJECT":
                return reject(values, raws);
            case "DNAT":
            case "SNAT":
                return nat(name.equals("DNAT"), values, raws);
            case "MASQUERADE":
                return new Target.Masquerade(raws);
            case "MARK":
                return mark(values, raws);
            case "CONNMARK":
                return connmark(values, raws);
            case "NOTRACK":
                return new Target.NoTrack(name, raws);
            case "CT":
                return values.contains("--notrack") ? new Target.NoTrack(name, raws) : new Target.Continue(name, raws);
            default:
                if (CONTINUING.contains(name)) {
                    return new Target.Continue(name, raws);
                }
                if (looksLikeChainName(name)) {
                    throw rule.error("-j " + name + ": no such chain in this table, and not a target cnifix knows");
                }
                return new Target.Unknown(name, raws);
        }
    }

    /** Extension targets are plain upper-case words; anything else can only have meant a (missing) chain. */
    private static boolean looksLikeChainName(String name) {
        return !name.equals(name.toUpperCase(java.util.Locale.ROOT)) || name.indexOf('-') >= 0 || name.indexOf('_') >= 0;
    }

    private void noArgs(String name, List<String> values) {
        if (!values.isEmpty()) {
            throw rule.error("-j " + name + " takes no options, got '" + values.get(0) + "'");
        }
    }

    private Target reject(List<String> values, List<String> raws) {
        if (values.isEmpty()) {
            return REJECT;
        }
        if (values.size() != 2 || !values.get(0).equals("--reject-with")) {
            return new Target.Unknown("REJECT", raws);
        }
        String with = values.get(1);
        if (!(family == Family.V4 ? REJECT_V4 : REJECT_V6).contains(with)) {
            throw rule.error("unknown --reject-with type '" + with + "'");
        }
        return REJECTS.get(with);
    }

    private Target nat(boolean destination, List<String> values, List<String> raws) {
        String option = destination ? "--to-destination" : "--to-source";
        String spec = null;
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v.equals(option) || (!destination && v.equals("--to"))) {
                if (spec != null || i + 1 >= values.size()) {
                    return new Target.Unknown(destination ? "DNAT" : "SNAT", raws);
                }
                spec = values.get(++i);
            } else if (v.equals("--random") || v.equals("--persistent") || v.equals("--random-fully")) {
                flags.add(v);
            } else {
                return new Target.Unknown(destination ? "DNAT" : "SNAT", raws);
            }
        }
        if (spec == null) {
            return new Target.Nat(destination, null, null, null, null, null, flags);
        }
        return natSpec(destination, spec, flags);
    }

    /** {@code addr[-addr][:port[-port][/base]]}, IPv6 as {@code [addr][-[addr]][:port...]}. */
    private Target natSpec(boolean destination, String spec, List<String> flags) {
        String addrPart;
        String portPart = null;
        try {
            if (spec.startsWith("[")) {
                int close = spec.indexOf(']');
                int rangeClose = close;
                if (close > 0 && spec.startsWith("-[", close + 1)) {
                    rangeClose = spec.indexOf(']', close + 2);
                }
                if (close < 0 || rangeClose < 0) {
                    throw new IllegalArgumentException("unbalanced brackets");
                }
                addrPart = spec.substring(0, rangeClose + 1).replace("[", "").replace("]", "");
                if (rangeClose + 1 < spec.length()) {
                    if (spec.charAt(rangeClose + 1) != ':') {
                        throw new IllegalArgumentException("expected ':' after ']'");
                    }
                    portPart = spec.substring(rangeClose + 2);
                }
            } else if (family == Family.V6 && spec.indexOf(':') >= 0) {
                addrPart = spec;
            } else {
                int colon = spec.indexOf(':');
                addrPart = colon < 0 ? spec : spec.substring(0, colon);
                portPart = colon < 0 ? null : spec.substring(colon + 1);
            }
            IpAddress first = null;
            IpAddress last = null;
            if (!addrPart.isEmpty()) {
                int dash = addrPart.indexOf('-');
                first = IpAddress.parse(dash < 0 ? addrPart : addrPart.substring(0, dash));
                last = dash < 0 ? first : IpAddress.parse(addrPart.substring(dash + 1));
                if (first.family() != family || last.family() != family) {
                    throw new IllegalArgumentException("address family does not match the dump");
                }
            }
            PortRange ports = null;
            Integer base = null;
            if (portPart != null) {
                int slash = portPart.indexOf('/');
                if (slash >= 0) {
                    base = Integer.parseInt(portPart.substring(slash + 1));
                    portPart = portPart.substring(0, slash);
                }
                ports = PortRange.parse(portPart, '-');
            }
            return new Target.Nat(destination, first, last, ports, base, spec, flags);
        } catch (IllegalArgumentException e) {
            throw rule.error("bad " + (destination ? "--to-destination" : "--to-source") + " '" + spec + "': " + e.getMessage());
        }
    }

    private Target mark(List<String> values, List<String> raws) {
        if (values.size() != 2) {
            return new Target.Unknown("MARK", raws);
        }
        String o = values.get(0);
        long[] vm = MarkValues.parse(values.get(1), rule, o);
        long v = vm[0];
        long m = vm[1];
        return switch (o) {
            case "--set-xmark" -> new Target.SetMark(v, m);
            case "--set-mark" -> new Target.SetMark(v, (m | v) & 0xffffffffL);
            case "--and-mark" -> new Target.SetMark(0, ~v & 0xffffffffL);
            case "--or-mark" -> new Target.SetMark(v, v);
            case "--xor-mark" -> new Target.SetMark(v, 0);
            default -> new Target.Unknown("MARK", raws);
        };
    }

    private Target connmark(List<String> values, List<String> raws) {
        Target.ConnMark.Kind kind = null;
        long value = 0;
        long mask = 0xffffffffL;
        long nf = 0xffffffffL;
        long ct = 0xffffffffL;
        for (int i = 0; i < values.size(); i++) {
            String o = values.get(i);
            switch (o) {
                case "--save-mark" -> kind = Target.ConnMark.Kind.SAVE;
                case "--restore-mark" -> kind = Target.ConnMark.Kind.RESTORE;
                case "--set-xmark", "--set-mark" -> {
                    if (i + 1 >= values.size()) {
                        return new Target.Unknown("CONNMARK", raws);
                    }
                    long[] vm = MarkValues.parse(values.get(++i), rule, o);
                    kind = Target.ConnMark.Kind.SET;
                    value = vm[0];
                    mask = o.equals("--set-mark") ? (vm[1] | vm[0]) & 0xffffffffL : vm[1];
                }
                case "--nfmask", "--ctmask", "--mask" -> {
                    if (i + 1 >= values.size()) {
                        return new Target.Unknown("CONNMARK", raws);
                    }
                    long n = MarkValues.number(values.get(++i), rule, o);
                    if (!o.equals("--ctmask")) {
                        nf = n;
                    }
                    if (!o.equals("--nfmask")) {
                        ct = n;
                    }
                }
                default -> {
                    return new Target.Unknown("CONNMARK", raws);
                }
            }
        }
        if (kind == null) {
            return new Target.Unknown("CONNMARK", raws);
        }
        return new Target.ConnMark(kind, value, mask, nf, ct, raws);
    }
}
