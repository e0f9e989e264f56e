package io.cnifix.ingest.json;

import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * NftReader's first try: scans {@code nft -j list ruleset} text in place and builds tables, chains and rules
 * straight from it, with no JSON tree. A netavark host with 10,000 published ports dumps 13 MB, 40,000 rules; a
 * tree per item (a map per object, a primitive per value) was most of reading them, and reading them was the
 * longest task of such a diff.
 *
 * <p>It takes only the shapes nft writes; anything else in an item (an expression it would keep as unknown, an
 * escape it does not decode, an object with a second key, deep nesting) abandons that item alone, which the
 * tree reader then reads from the same text: so every item becomes exactly what the tree reader makes of it. The
 * scan is as strict as gson's strict mode or stricter: what it cannot take it leaves to gson, and a syntax error
 * anywhere, or a document not of the plain shape {@code {"nftables": [...]}}, gives up on the whole document
 * (returns null or throws), so that NftReader's other readers say what is wrong, as they always have.
 */
final class NftFastReader {
    /** Deeper than this, the tree reader decides (it keeps expressions deeper than its own limit as unknown). */
    private static final int MAX_DEPTH = 24;

    /** This item is not of a shape the scan takes: the tree reader reads it. */
    private static final class Other extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Other() {
            super(null, null, false, false);
        }
    }

    /** Not JSON that gson's strict mode takes, or not of the plain shape: the whole document goes to the others. */
    private static final class Broken extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Broken() {
            super(null, null, false, false);
        }
    }

    private static final Other OTHER = new Other();
    private static final Broken BROKEN = new Broken();

    private final String s;
    /**
     * The text as Latin-1 bytes, one per char of {@link #s} (a char outside Latin-1 reads as '?'): scanned by
     * index, which C1's code does far faster than String.charAt.
     */
    private final byte[] b;
    private final int n;
    private final NftReader reader;
    private int pos;
    /** One copy of each string token's text (names and values repeat 40,000 times), with its bytes and hash. */
    private String[] interned = new String[1024];
    private byte[][] internedBytes = new byte[1024][];
    private int[] internedHashes = new int[1024];
    private int internedCount;
    /** The last number token: its value when {@link #numberExact}, else read from its text. */
    private long numberValue;
    private boolean numberExact;
    private int numberStart;

    private NftFastReader(String text, byte[] bytes, NftReader reader) {
        this.s = text;
        this.b = bytes;
        this.n = bytes.length;
        this.reader = reader;
        for (String k : SEEDS) {
            seed(k);
        }
    }

    /**
     * Keys and values nft writes, and that this reader and the engine test for by name: a token with this text is
     * the string constant itself. A switch on a key, or an {@code equals} against a constant, then ends at the
     * identity test instead of comparing bytes (a tenth of reading netavark's 40,000 rules).
     */
    private static final String[] SEEDS = {"nftables", "metainfo", "version", "release_name", "json_schema_version",
        "table", "chain", "rule", "set", "map", "family", "name", "handle", "type", "hook", "prio", "policy", "comment",
        "expr", "match", "op", "left", "right", "payload", "protocol", "field", "meta", "key", "ct", "dir", "fib",
        "result", "flags", "prefix", "addr", "len", "range", "concat", "elem", "val", "vmap", "data", "target", "jump",
        "goto", "return", "continue", "accept", "drop", "reject", "counter", "packets", "bytes", "log", "limit", "rate",
        "per", "notrack", "mangle", "value", "dnat", "snat", "masquerade", "redirect", "port", "type_flags",
        "==", "!=", "in", "ip", "ip6", "inet", "tcp", "udp", "th", "icmp", "icmpv6", "dport", "sport", "saddr", "daddr",
        "l4proto", "nfproto", "iifname", "oifname", "iif", "oif", "state", "status", "mark", "established", "related",
        "new", "invalid", "original", "reply", "proto-dst", "local", "filter", "nat", "prerouting", "input", "forward",
        "output", "postrouting"};

    private void seed(String k) {
        byte[] kb = k.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int h = hash(kb, 0, kb.length);
        int i = slot(kb, 0, kb.length, h);
        if (interned[i] == null) {
            put(i, k, kb, h);
        }
    }

    /** The tables, or null when the document is not of the plain shape or not strict JSON. */
    static List<NftTable> read(String content, String source) {
        String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        if (bytes.length != text.length()) {
            return null; // characters beyond the BMP: the bytes would not line up with the text
        }
        NftReader reader = new NftReader();
        NftFastReader f = new NftFastReader(text, bytes, reader);
        try {
            return f.document() ? reader.tables(source) : null;
        } catch (IOException | RuntimeException e) {
            // Broken, or gson refused an item the scan left to it: the other readers say what is wrong
            return null;
        }
    }

    private boolean document() throws IOException {
        ws();
        if (pos >= n || b[pos] != '{') {
            return false;
        }
        pos++;
        ws();
        if (peek() != '"') {
            return false;
        }
        if (!"nftables".equals(string())) {
            return false;
        }
        colon();
        if (peek() != '[') {
            return false;
        }
        pos++;
        ws();
        if (peek() == ']') {
            pos++;
        } else {
            while (true) {
                item();
                ws();
                char c = next();
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw BROKEN;
                }
                ws();
            }
        }
        ws();
        // a second member (the tree keeps the last "nftables", or checks another value): the others decide
        if (next() != '}') {
            return false;
        }
        ws();
        return pos == n;
    }

    /** One element of the "nftables" array. */
    private void item() throws IOException {
        int start = pos;
        try {
            fastItem();
        } catch (Other o) {
            pos = start;
            skipLoose();
            // at the depth it has in the document (inside the object and its array), as gson would nest it there
            JsonReader r = new JsonReader(new StringReader("[[" + s.substring(start, pos) + "]]"));
            r.setStrictness(Strictness.STRICT);
            r.beginArray();
            r.beginArray();
            JsonElement e = JsonDoc.value(r);
            r.endArray();
            r.endArray();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw BROKEN;
            }
            reader.item(e);
        }
    }

    private void fastItem() {
        if (peek() != '{') {
            skip(0); // a value of another kind: no item
            return;
        }
        pos++;
        ws();
        if (peek() == '}') {
            pos++;
            return;
        }
        String kind = string();
        colon();
        if (peek() != '{') {
            skip(0);
            endSingle();
            return;
        }
        switch (kind) {
            case "table" -> table();
            case "chain" -> chain();
            case "rule" -> rule();
            case "set", "map" -> throw OTHER; // few, and their elements come in many shapes: the tree reads them
            default -> {
                skip(0);
                endSingle();
            }
        }
    }

    /** The end of an object that must hold one member only; a second one goes to the tree reader. */
    private void endSingle() {
        ws();
        char c = next();
        if (c == ',') {
            throw OTHER;
        }
        if (c != '}') {
            throw BROKEN;
        }
    }

    private void table() {
        String family = null;
        String name = null;
        pos++;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "family" -> family = scalar();
                case "name" -> name = scalar();
                default -> skip(1);
            }
        }
        endSingle();
        reader.addTable(family, name);
    }

    private void chain() {
        String family = null;
        String table = null;
        String name = null;
        String type = null;
        String hook = null;
        boolean hooked = false;
        Integer prio = null;
        String policy = null;
        pos++;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "family" -> family = scalar();
                case "table" -> table = scalar();
                case "name" -> name = scalar();
                case "type" -> type = scalar();
                case "hook" -> {
                    hooked = true;
                    hook = scalar();
                }
                case "prio" -> {
                    char c = peek();
                    boolean number = c == '-' || c >= '0' && c <= '9';
                    String text = scalar();
                    prio = text == null ? null : NftReader.priority(text, number);
                }
                case "policy" -> policy = scalar();
                default -> skip(1);
            }
        }
        endSingle();
        NftChain.Base base = hooked ? new NftChain.Base(type == null ? "filter" : type, hook, prio == null ? 0 : prio,
                policy == null ? "accept" : policy) : null;
        reader.addChain(family, table, name, base);
    }

    private void rule() {
        String family = null;
        String table = null;
        String chain = null;
        String comment = null;
        long handle = 0;
        List<NftStmt> statements = List.of();
        pos++;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "family" -> family = scalar();
                case "table" -> table = scalar();
                case "chain" -> chain = scalar();
                case "comment" -> comment = scalar();
                case "handle" -> {
                    char c = peek();
                    if (c == '-' || c >= '0' && c <= '9') {
                        number();
                        handle = numberExact ? numberValue : new NumberText(s.substring(numberStart, pos)).longValue();
                    } else {
                        skip(1);
                        handle = 0;
                    }
                }
                case "expr" -> {
                    if (peek() == '[') {
                        statements = new ArrayList<>(4);
                        pos++;
                        if (!emptyArray()) {
                            do {
                                statements.add(statement());
                            } while (moreInArray());
                        }
                    } else {
                        skip(1);
                        statements = List.of();
                    }
                }
                default -> skip(1);
            }
        }
        endSingle();
        reader.addRule(family, table, chain, handle, statements, comment);
    }

    private NftStmt statement() {
        openObject();
        ws();
        if (peek() == '}') {
            throw OTHER;
        }
        String kind = string();
        colon();
        NftStmt out;
        if (NftReader.isVerdict(kind)) {
            out = verdict(kind);
        } else {
            out = switch (kind) {
                case "match" -> match();
                case "vmap" -> vmap();
                case "dnat", "snat", "redirect", "masquerade" -> nat(kind);
                case "mangle" -> mangle();
                case "counter", "log" -> {
                    skip(1);
                    yield new NftStmt.Passive(kind);
                }
                case "limit" -> limit();
                case "notrack" -> {
                    skip(1);
                    yield new NftStmt.NoTrack();
                }
                case "set", "map" -> {
                    skip(1);
                    yield new NftStmt.Passive(kind + " update");
                }
                default -> throw OTHER;
            };
        }
        endSingle();
        return out;
    }

    private NftStmt.Verdict verdict(String kind) {
        String target = null;
        String type = null;
        String expr = null;
        if (peek() == '{') {
            pos++;
            for (String k = firstKey(); k != null; k = nextKey()) {
                switch (k) {
                    case "target" -> target = scalar();
                    case "type" -> type = scalar();
                    case "expr" -> expr = scalar();
                    default -> skip(2);
                }
            }
        } else {
            skip(1);
        }
        String detail = null;
        if (kind.equals("reject") && (type != null || expr != null)) {
            detail = ("with " + (type == null ? "icmp" : type) + " " + (expr == null ? "" : expr)).trim();
        }
        return new NftStmt.Verdict(kind, target, detail);
    }

    /** Steps into an object, or leaves the item to the tree reader when the value is something else. */
    private void openObject() {
        if (peek() != '{') {
            throw OTHER;
        }
        pos++;
    }

    private NftStmt match() {
        openObject();
        NftExpr left = null;
        NftExpr right = null;
        String op = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "left" -> left = expr(1);
                case "right" -> right = expr(1);
                case "op" -> op = scalar();
                default -> skip(2);
            }
        }
        return new NftStmt.Match(orNull(left), op == null ? "==" : op, orNull(right));
    }

    private NftStmt vmap() {
        openObject();
        NftExpr key = null;
        NftExpr data = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "key" -> key = expr(1);
                case "data" -> data = mapData(1);
                default -> skip(2);
            }
        }
        return new NftStmt.VMap(orNull(key), orNull(data));
    }

    private NftStmt nat(String kind) {
        List<String> flags = new ArrayList<>();
        if (peek() != '{') {
            skip(1);
            return new NftStmt.Nat(kind, null, null, null, flags);
        }
        pos++;
        String family = null;
        NftExpr addr = null;
        NftExpr port = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "family" -> family = scalar();
                case "addr" -> addr = expr(1);
                case "port" -> port = expr(1);
                case "flags" -> {
                    flags.clear();
                    flags(flags, "?");
                }
                case "type_flags" -> throw OTHER;
                default -> skip(2);
            }
        }
        return new NftStmt.Nat(kind, family, addr, port, flags);
    }

    private NftStmt mangle() {
        openObject();
        NftExpr key = null;
        NftExpr value = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "key" -> key = expr(1);
                case "value" -> value = expr(1);
                default -> skip(2);
            }
        }
        if (key instanceof NftExpr.Meta m && m.key().equals("mark")) {
            return new NftStmt.SetMark(false, "mark", orNull(value));
        }
        if (key instanceof NftExpr.Ct c && c.key().equals("mark")) {
            return new NftStmt.SetMark(true, "mark", orNull(value));
        }
        throw OTHER;
    }

    private NftStmt limit() {
        if (peek() != '{') {
            skip(1);
            return new NftStmt.Limit("");
        }
        pos++;
        String rate = null;
        String per = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "rate" -> rate = scalar();
                case "per" -> per = scalar();
                default -> skip(2);
            }
        }
        return new NftStmt.Limit(rate + "/" + per);
    }

    /** A missing member is read as JSON null is. */
    private static NftExpr orNull(NftExpr e) {
        return e == null ? new NftExpr.Unknown("null") : e;
    }

    /** The flags of a nat statement or fib expression: an array of texts (others as {@code other}) or one text. */
    private void flags(List<String> out, String other) {
        char c = peek();
        if (c == '[') {
            pos++;
            if (!emptyArray()) {
                do {
                    String x = scalar();
                    if (x != null) {
                        out.add(x);
                    } else if (other != null) {
                        out.add(other);
                    }
                } while (moreInArray());
            }
        } else if (c == '{' || c == 'n') {
            skip(2);
        } else {
            out.add(scalar());
        }
    }

    /** Map data: a verdict, or an expression. */
    private NftExpr data(int depth) {
        if (peek() != '{') {
            return expr(depth);
        }
        int start = pos;
        pos++;
        ws();
        if (peek() == '"') {
            String k = string();
            if (NftReader.isVerdict(k)) {
                colon();
                NftStmt.Verdict v = verdict(k);
                endSingle();
                return new NftExpr.VerdictData(v);
            }
        }
        pos = start;
        return expr(depth);
    }

    /** The map of a vmap or map lookup: {@code {"set": [[key, data], ...]}} or an expression (a named map). */
    private NftExpr mapData(int depth) {
        if (peek() != '{') {
            return expr(depth);
        }
        int start = pos;
        pos++;
        ws();
        if (peek() != '"' || !"set".equals(string())) {
            pos = start;
            return expr(depth);
        }
        colon();
        List<NftExpr> elements = new ArrayList<>();
        if (peek() == '[') {
            pos++;
            if (!emptyArray()) {
                do {
                    elements.add(mapElement(depth + 1));
                } while (moreInArray());
            }
        } else {
            elements.add(mapElement(depth + 1));
        }
        endSingle();
        return new NftExpr.SetLiteral(elements);
    }

    /** An element of a map literal: a {@code [key, data]} pair, or else an expression. */
    private NftExpr mapElement(int depth) {
        if (depth > MAX_DEPTH) {
            throw OTHER;
        }
        if (peek() != '[') {
            return expr(depth + 1);
        }
        pos++;
        List<NftExpr> parts = new ArrayList<>(2);
        if (!emptyArray()) {
            do {
                parts.add(parts.size() == 1 ? data(depth + 1) : expr(depth + 1));
            } while (moreInArray());
        }
        if (parts.size() == 2) {
            return new NftExpr.Mapping(parts.get(0), parts.get(1));
        }
        if (parts.size() > 1 && parts.get(1) instanceof NftExpr.VerdictData) {
            throw OTHER; // as a set's value it is an expression the tree reader keeps as unknown
        }
        return new NftExpr.SetLiteral(parts);
    }

    NftExpr expr(int depth) {
        if (depth > MAX_DEPTH) {
            throw OTHER;
        }
        char c = peek();
        switch (c) {
            case '"' -> {
                String v = string();
                return reader.leaf(v.startsWith("@") ? new NftExpr.SetRef(v.substring(1)) : new NftExpr.Value(v));
            }
            case 'n' -> {
                literal("null");
                return new NftExpr.Unknown("null");
            }
            case 't', 'f' -> {
                String v = c == 't' ? "true" : "false";
                literal(v);
                return reader.leaf(new NftExpr.Value(reader.shared(v)));
            }
            case '[' -> {
                pos++;
                List<NftExpr> parts = new ArrayList<>();
                if (!emptyArray()) {
                    do {
                        parts.add(expr(depth + 1));
                    } while (moreInArray());
                }
                return new NftExpr.SetLiteral(parts);
            }
            case '{' -> {
                pos++;
                ws();
                if (peek() == '}') {
                    throw OTHER;
                }
                String k = string();
                colon();
                NftExpr out = exprBody(k, depth);
                endSingle();
                return out;
            }
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    number();
                    long v = numberExact ? numberValue : new NumberText(s.substring(numberStart, pos)).longValue();
                    return reader.leaf(new NftExpr.Value(v));
                }
                throw BROKEN;
            }
        }
    }

    /** The expression {@code {k: ...}}, its value next. */
    private NftExpr exprBody(String k, int depth) {
        switch (k) {
            case "payload" -> {
                String[] f = fields("protocol", "field", null);
                return reader.leaf(new NftExpr.Payload(f[0], f[1]));
            }
            case "meta" -> {
                String[] f = fields("key", null, null);
                return reader.leaf(new NftExpr.Meta(f[0]));
            }
            case "ct" -> {
                String[] f = fields("key", "dir", "family");
                return reader.leaf(new NftExpr.Ct(f[0], f[1], f[2]));
            }
            case "fib" -> {
                return fib();
            }
            case "prefix" -> {
                return prefix();
            }
            case "range", "concat", "&", "|", "^", "<<", ">>" -> {
                if (peek() != '[') {
                    throw OTHER;
                }
                pos++;
                List<NftExpr> parts = new ArrayList<>(2);
                if (!emptyArray()) {
                    do {
                        parts.add(expr(depth + 1));
                    } while (moreInArray());
                }
                if (k.equals("concat")) {
                    return new NftExpr.Concat(parts);
                }
                if (parts.size() != 2) {
                    throw OTHER;
                }
                return k.equals("range") ? new NftExpr.Range(parts.get(0), parts.get(1)) : new NftExpr.Binop(k, parts.get(0), parts.get(1));
            }
            case "set" -> {
                return peek() == '[' ? expr(depth + 1) : new NftExpr.SetLiteral(List.of(expr(depth + 1)));
            }
            case "elem" -> {
                if (peek() != '{') {
                    throw OTHER;
                }
                pos++;
                NftExpr val = null;
                for (String key = firstKey(); key != null; key = nextKey()) {
                    if (key.equals("val")) {
                        val = expr(depth + 1);
                    } else {
                        skip(depth + 1);
                    }
                }
                if (val == null) {
                    throw OTHER;
                }
                return val;
            }
            case "map" -> {
                if (peek() != '{') {
                    throw OTHER;
                }
                pos++;
                NftExpr key = null;
                NftExpr data = null;
                for (String name = firstKey(); name != null; name = nextKey()) {
                    switch (name) {
                        case "key" -> key = expr(depth + 1);
                        case "data" -> data = mapData(depth + 1);
                        default -> skip(depth + 1);
                    }
                }
                if (key == null) {
                    throw OTHER;
                }
                return new NftExpr.MapLookup(key, orNull(data));
            }
            default -> throw OTHER;
        }
    }

    /**
     * The members {@code a}, {@code b}, {@code c} (null when not wanted) of an object, as texts; the first must
     * be there (JSON null counts), or the tree reader keeps the expression as unknown.
     */
    private String[] fields(String a, String b, String c) {
        openObject();
        String[] out = new String[3];
        boolean[] seen = new boolean[3];
        for (String k = firstKey(); k != null; k = nextKey()) {
            int i = k.equals(a) ? 0 : k.equals(b) ? 1 : k.equals(c) ? 2 : -1;
            if (i < 0) {
                skip(2);
            } else {
                out[i] = scalar();
                seen[i] = true;
            }
        }
        if (!seen[0] || b != null && c == null && !seen[1]) {
            throw OTHER; // payload needs protocol and field; meta and ct only their key
        }
        return out;
    }

    private NftExpr fib() {
        openObject();
        List<String> flags = new ArrayList<>();
        String result = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "flags" -> {
                    flags.clear();
                    flags(flags, "?");
                }
                case "result" -> result = scalar();
                default -> skip(2);
            }
        }
        return reader.leaf(new NftExpr.Fib(flags, result == null ? "?" : result));
    }

    private NftExpr prefix() {
        openObject();
        String addr = null;
        boolean hasAddr = false;
        Integer len = null;
        for (String k = firstKey(); k != null; k = nextKey()) {
            switch (k) {
                case "addr" -> {
                    hasAddr = true;
                    addr = scalar();
                }
                case "len" -> {
                    char c = peek();
                    if (!(c == '-' || c >= '0' && c <= '9')) {
                        throw OTHER;
                    }
                    number();
                    len = numberExact ? (int) (double) numberValue : new NumberText(s.substring(numberStart, pos)).intValue();
                }
                default -> skip(2);
            }
        }
        if (!hasAddr || len == null) {
            throw OTHER;
        }
        return reader.leaf(new NftExpr.Prefix(addr, len));
    }

    /* ---- the scan ---- */

    private void ws() {
        while (pos < n) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        ws();
        if (pos >= n) {
            throw BROKEN;
        }
        return (char) (b[pos] & 0xff);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void colon() {
        if (next() != ':') {
            throw BROKEN;
        }
        ws();
    }

    /** After an object's '{': its first member's name (the value next), or null when it is empty. */
    private String firstKey() {
        if (peek() == '}') {
            pos++;
            return null;
        }
        String k = string();
        colon();
        return k;
    }

    /** After a member's value: the next member's name, or null at the object's end. */
    private String nextKey() {
        char c = next();
        if (c == '}') {
            return null;
        }
        if (c != ',') {
            throw BROKEN;
        }
        if (peek() != '"') {
            throw BROKEN;
        }
        String k = string();
        colon();
        return k;
    }

    /** After an array's '[': true (and past it) when it ends at once. */
    private boolean emptyArray() {
        if (peek() == ']') {
            pos++;
            return true;
        }
        return false;
    }

    /** After an element: true when another follows. */
    private boolean moreInArray() {
        char c = next();
        if (c == ',') {
            if (peek() == ']') {
                throw BROKEN;
            }
            return true;
        }
        if (c != ']') {
            throw BROKEN;
        }
        return false;
    }

    /** A string, a number's text or a boolean's; null for JSON null, an object or an array (skipped). */
    private String scalar() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (c == '-' || c >= '0' && c <= '9') {
            number();
            return intern(numberStart, pos);
        }
        if (c == 't' || c == 'f') {
            literal(c == 't' ? "true" : "false");
            return c == 't' ? "true" : "false";
        }
        skip(2);
        return null;
    }

    private void literal(String word) {
        if (pos + word.length() > n) {
            throw BROKEN;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[pos + i] != word.charAt(i)) {
                throw BROKEN;
            }
        }
        pos += word.length();
    }

    /** A number by JSON's grammar; its value kept when it is a whole number that a double holds exactly. */
    private void number() {
        numberStart = pos;
        int i = pos;
        boolean negative = i < n && b[i] == '-';
        if (negative) {
            i++;
        }
        if (i >= n) {
            throw BROKEN;
        }
        long v = 0;
        int digits = 0;
        if (b[i] == '0') {
            i++;
            digits = 1;
        } else if (b[i] >= '1' && b[i] <= '9') {
            while (i < n && b[i] >= '0' && b[i] <= '9') {
                v = v * 10 + (b[i] - '0');
                digits++;
                i++;
                if (digits > 15) {
                    v = 0;
                }
            }
        } else {
            throw BROKEN;
        }
        boolean whole = true;
        if (i < n && b[i] == '.') {
            whole = false;
            i++;
            int from = i;
            while (i < n && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == from) {
                throw BROKEN;
            }
        }
        if (i < n && (b[i] == 'e' || b[i] == 'E')) {
            whole = false;
            i++;
            if (i < n && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int from = i;
            while (i < n && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == from) {
                throw BROKEN;
            }
        }
        pos = i;
        numberExact = whole && digits <= 15;
        numberValue = negative ? -v : v;
    }

    /** A string token, one copy per text; one with an escape or a control character goes to the tree reader. */
    private String string() {
        if (next() != '"') {
            throw BROKEN;
        }
        int start = pos;
        int h = 0;
        boolean odd = false;
        while (true) {
            if (pos >= n) {
                throw BROKEN;
            }
            int c = b[pos] & 0xff;
            if (c == '"') {
                break;
            }
            if (c == '\\' || c < 0x20) {
                throw OTHER;
            }
            odd |= c == '?';
            h = 31 * h + c;
            pos++;
        }
        // '?' may stand for a char outside Latin-1: such a token is taken from the text itself, and not shared
        String out = odd ? s.substring(start, pos) : intern(start, pos, h);
        pos++;
        return out;
    }

    /** A number's text, shared like strings (a number token is ASCII). */
    private String intern(int from, int to) {
        return intern(from, to, hash(b, from, to));
    }

    /** The hash {@link #string} works out as it scans a token. */
    private static int hash(byte[] x, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + (x[i] & 0xff);
        }
        return h;
    }

    private String intern(int from, int to, int h) {
        int i = slot(b, from, to, h);
        if (interned[i] != null) {
            return interned[i];
        }
        String made = new String(b, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
        put(i, made, java.util.Arrays.copyOfRange(b, from, to), h);
        return made;
    }

    /** The slot holding the text {@code x[from, to)}, or the empty slot where it goes. */
    private int slot(byte[] x, int from, int to, int h) {
        int mask = interned.length - 1;
        int len = to - from;
        for (int i = (h ^ (h >>> 16)) & mask; ; i = (i + 1) & mask) {
            byte[] y = internedBytes[i];
            if (y == null || internedHashes[i] == h && y.length == len && java.util.Arrays.equals(y, 0, len, x, from, to)) {
                return i;
            }
        }
    }

    private void put(int i, String text, byte[] bytes, int h) {
        interned[i] = text;
        internedBytes[i] = bytes;
        internedHashes[i] = h;
        if (++internedCount * 2 > interned.length) {
            grow();
        }
    }

    private void grow() {
        String[] old = interned;
        byte[][] oldBytes = internedBytes;
        int[] oldHashes = internedHashes;
        interned = new String[old.length * 2];
        internedBytes = new byte[old.length * 2][];
        internedHashes = new int[old.length * 2];
        int mask = interned.length - 1;
        for (int k = 0; k < old.length; k++) {
            if (old[k] != null) {
                int h = oldHashes[k];
                int i = (h ^ (h >>> 16)) & mask;
                while (interned[i] != null) {
                    i = (i + 1) & mask;
                }
                interned[i] = old[k];
                internedBytes[i] = oldBytes[k];
                internedHashes[i] = h;
            }
        }
    }

    /** Skips one value, checking it as strictly as gson's strict mode; an odd string leaves the item to the tree. */
    private void skip(int depth) {
        if (depth > MAX_DEPTH) {
            throw OTHER;
        }
        char c = peek();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                pos++;
                for (String k = firstKey(); k != null; k = nextKey()) {
                    skip(depth + 1);
                }
            }
            case '[' -> {
                pos++;
                if (!emptyArray()) {
                    do {
                        skip(depth + 1);
                    } while (moreInArray());
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    number();
                } else {
                    throw BROKEN;
                }
            }
        }
    }

    /**
     * Skips one value without checking it (gson checks it next, when it reads the item): strings with escapes,
     * nesting of any depth, without recursion.
     */
    private void skipLoose() {
        int depth = 0;
        do {
            if (pos >= n) {
                throw BROKEN;
            }
            char c = (char) (b[pos++] & 0xff);
            if (c == '"') {
                while (true) {
                    if (pos >= n) {
                        throw BROKEN;
                    }
                    char d = (char) (b[pos++] & 0xff);
                    if (d == '\\') {
                        pos++;
                    } else if (d == '"') {
                        break;
                    }
                }
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth < 0) {
                    throw BROKEN;
                }
            } else if (depth == 0 && (c == ',')) {
                pos--;
                return;
            }
        } while (depth > 0 || pos < n && isValueChar((char) (b[pos] & 0xff)));
    }

    /** A character that continues a number or literal at the top of a skipped value. */
    private static boolean isValueChar(char c) {
        return c != ',' && c != ']' && c != '}' && c != ' ' && c != '\n' && c != '\r' && c != '\t';
    }
}
