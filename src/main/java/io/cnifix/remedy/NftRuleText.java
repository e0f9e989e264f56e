package io.cnifix.remedy;

import io.cnifix.model.PortMapping;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftStmt;

import java.util.ArrayList;
import java.util.List;

/**
 * The nft words of the rules cnifix writes, both ways: the statements a rule text stands for (as {@code nft -j}
 * reads it back, so that a rule in memory is judged exactly as the kernel's copy will be) and the text of such
 * statements (to put a removed rule back). Only the shapes {@link RuleShape} writes are understood; anything else
 * is refused rather than guessed.
 */
public final class NftRuleText {
    /** nft keeps at most 128 bytes of a comment. */
    private static final int MAX_COMMENT = 128;

    private NftRuleText() {
    }

    /** A rule parsed: its statements and its comment (or null). */
    public record Parsed(List<NftStmt> statements, String comment) {
        public Parsed {
            statements = List.copyOf(statements);
        }
    }

    /** "cnifix: NAME PROTO/HOSTPORT", with quotes and backslashes (nft's string syntax) made '?', cut to fit nft. */
    public static String comment(PortMapping m) {
        String c = OwnedRule.comment(m);
        String suffix = c.substring(c.lastIndexOf(' '));
        String name = c.substring(OwnedRule.PREFIX.length(), c.length() - suffix.length()).replace('"', '?').replace('\\', '?');
        return OwnedRule.PREFIX + OwnedRule.fit(name, MAX_COMMENT - OwnedRule.PREFIX.length() - suffix.length()) + suffix;
    }

    /** The statements of a rule text cnifix writes; IllegalArgumentException for anything else. */
    public static Parsed parse(String text) {
        List<String> w = words(text);
        List<NftStmt> out = new ArrayList<>();
        String comment = null;
        int i = 0;
        while (i < w.size()) {
            String k = w.get(i);
            switch (k) {
                case "ip", "ip6", "tcp", "udp", "sctp" -> {
                    String field = need(w, i + 1);
                    int at = i + 2;
                    String op = "==";
                    if ("!=".equals(need(w, at))) {
                        op = "!=";
                        at++;
                    }
                    String v = need(w, at);
                    NftExpr right = k.startsWith("ip") ? address(v) : new NftExpr.Value(Long.parseLong(v));
                    out.add(new NftStmt.Match(new NftExpr.Payload(k, field), op, right));
                    i = at + 1;
                }
                case "iifname", "oifname" -> {
                    int at = i + 1;
                    String op = "==";
                    if ("!=".equals(need(w, at))) {
                        op = "!=";
                        at++;
                    }
                    out.add(new NftStmt.Match(new NftExpr.Meta(k), op, new NftExpr.Value(unquote(need(w, at)))));
                    i = at + 1;
                }
                case "meta" -> {
                    if (!"l4proto".equals(need(w, i + 1))) {
                        throw new IllegalArgumentException("not a rule cnifix writes: meta " + w.get(i + 1));
                    }
                    out.add(new NftStmt.Match(new NftExpr.Meta("l4proto"), "==", new NftExpr.Value(need(w, i + 2))));
                    i += 3;
                }
                case "ct" -> i = ct(w, i, out);
                case "accept", "drop" -> {
                    out.add(new NftStmt.Verdict(k, null, null));
                    i++;
                }
                case "comment" -> {
                    comment = unquote(need(w, i + 1));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("not a rule cnifix writes: '" + k + "' in " + text);
            }
        }
        return new Parsed(out, comment);
    }

    private static int ct(List<String> w, int i, List<NftStmt> out) {
        String key = need(w, i + 1);
        switch (key) {
            case "protocol" -> {
                out.add(new NftStmt.Match(new NftExpr.Ct("protocol", null, null), "==", new NftExpr.Value(need(w, i + 2))));
                return i + 3;
            }
            case "status" -> {
                out.add(new NftStmt.Match(new NftExpr.Ct("status", null, null), "in", new NftExpr.Value(need(w, i + 2))));
                return i + 3;
            }
            case "state" -> {
                String[] names = need(w, i + 2).split(",");
                NftExpr right = names.length == 1 ? new NftExpr.Value(names[0])
                        : new NftExpr.SetLiteral(java.util.Arrays.stream(names).map(n -> (NftExpr) new NftExpr.Value(n)).toList());
                out.add(new NftStmt.Match(new NftExpr.Ct("state", null, null), "in", right));
                return i + 3;
            }
            case "original" -> {
                String what = need(w, i + 2);
                if (what.equals("proto-dst")) {
                    out.add(new NftStmt.Match(new NftExpr.Ct("proto-dst", "original", null), "==",
                            new NftExpr.Value(Long.parseLong(need(w, i + 3)))));
                    return i + 4;
                }
                if ((what.equals("ip") || what.equals("ip6")) && "daddr".equals(need(w, i + 3))) {
                    out.add(new NftStmt.Match(new NftExpr.Ct(what + " daddr", "original", null), "==", address(need(w, i + 4))));
                    return i + 5;
                }
                throw new IllegalArgumentException("not a rule cnifix writes: ct original " + what);
            }
            default -> throw new IllegalArgumentException("not a rule cnifix writes: ct " + key);
        }
    }

    /**
     * The text of statements in the shapes {@link #parse} reads (its inverse), with the comment; null when a statement
     * is of another shape (a rule cnifix did not write that way).
     */
    public static String render(List<NftStmt> statements, String comment) {
        StringBuilder sb = new StringBuilder();
        for (NftStmt s : statements) {
            String part = render(s);
            if (part == null) {
                return null;
            }
            sb.append(sb.length() == 0 ? "" : " ").append(part);
        }
        if (comment != null) {
            sb.append(" comment \"").append(comment).append('"');
        }
        String text = sb.toString();
        try {
            return parse(text).statements().equals(statements) ? text : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String render(NftStmt s) {
        if (s instanceof NftStmt.Verdict v && v.target() == null && v.detail() == null) {
            return v.kind();
        }
        if (!(s instanceof NftStmt.Match m)) {
            return null;
        }
        String op = m.op().equals("!=") ? "!= " : "";
        String right = value(m.right());
        if (right == null) {
            return null;
        }
        if (m.left() instanceof NftExpr.Payload p) {
            return p.protocol() + " " + p.field() + " " + op + right;
        }
        if (m.left() instanceof NftExpr.Meta meta) {
            return meta.key().equals("l4proto") ? "meta l4proto " + right : meta.key() + " " + op + "\"" + right + "\"";
        }
        if (m.left() instanceof NftExpr.Ct ct) {
            return "ct " + (ct.dir() == null ? "" : ct.dir() + " ") + ct.key() + " " + op + right;
        }
        return null;
    }

    private static String value(NftExpr e) {
        if (e instanceof NftExpr.Value v) {
            return v.text();
        }
        if (e instanceof NftExpr.Prefix p) {
            return p.toString();
        }
        if (e instanceof NftExpr.SetLiteral set) {
            List<String> parts = new ArrayList<>();
            for (NftExpr x : set.elements()) {
                String t = value(x);
                if (t == null) {
                    return null;
                }
                parts.add(t);
            }
            return String.join(",", parts);
        }
        return null;
    }

    private static NftExpr address(String v) {
        int slash = v.indexOf('/');
        return slash < 0 ? new NftExpr.Value(v) : new NftExpr.Prefix(v.substring(0, slash), Integer.parseInt(v.substring(slash + 1)));
    }

    private static String need(List<String> w, int i) {
        if (i >= w.size()) {
            throw new IllegalArgumentException("not a rule cnifix writes: it ends early");
        }
        return w.get(i);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** Words split at spaces, a quoted string (which may hold spaces) kept whole with its quotes. */
    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ' ' && !quoted) {
                if (cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (cur.length() > 0) {
            out.add(cur.toString());
        }
        return out;
    }
}
