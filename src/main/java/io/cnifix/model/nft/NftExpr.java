package io.cnifix.model.nft;

import java.util.List;

/**
 * An nftables expression as {@code nft -j} writes it: what a rule reads from the packet (payload, meta, ct, fib),
 * the constants it compares with (values, prefixes, ranges, set literals, named sets, concatenations) and bitwise
 * operations. Anything else is kept as {@link Unknown} with its JSON text.
 */
public sealed interface NftExpr {
    /*
     * The leaves (payload, meta, ct, values, prefixes, set names) spell out equals and hashCode: the reader shares
     * one copy of each and the engine caches what it parsed of them, both in hash maps, and a record's generated
     * methods run through method handles that C1's code calls slowly (a tenth of reading 40,000 rules).
     */

    /** {@code ip saddr}, {@code tcp dport}, {@code th dport}, {@code ip6 nexthdr}. */
    record Payload(String protocol, String field) implements NftExpr {
        @Override
        public String toString() {
            return protocol + " " + field;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Payload p && java.util.Objects.equals(protocol, p.protocol)
                    && java.util.Objects.equals(field, p.field);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(protocol) + java.util.Objects.hashCode(field);
        }
    }

    /** {@code meta iifname}, {@code meta l4proto}, {@code meta mark}, ... */
    record Meta(String key) implements NftExpr {
        @Override
        public String toString() {
            return "meta " + key;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Meta m && java.util.Objects.equals(key, m.key);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(key);
        }
    }

    /** {@code ct state}, {@code ct status}, {@code ct mark}, {@code ct original proto-dst}; {@code dir} may be null. */
    record Ct(String key, String dir, String family) implements NftExpr {
        @Override
        public String toString() {
            return "ct " + (dir == null ? "" : dir + " ") + (family == null ? "" : family + " ") + key;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Ct c && java.util.Objects.equals(key, c.key) && java.util.Objects.equals(dir, c.dir)
                    && java.util.Objects.equals(family, c.family);
        }

        @Override
        public int hashCode() {
            return (31 * java.util.Objects.hashCode(key) + java.util.Objects.hashCode(dir)) * 31 + java.util.Objects.hashCode(family);
        }
    }

    /** {@code fib daddr type}: flags (saddr, daddr, iif, oif, mark) and result (type, oif, oifname). */
    record Fib(List<String> flags, String result) implements NftExpr {
        public Fib {
            flags = List.copyOf(flags);
        }

        @Override
        public String toString() {
            return "fib " + String.join(" . ", flags) + " " + result;
        }
    }

    /** A constant: a string ("eth0", "established", "10.0.0.1", "tcp") or a number. */
    record Value(Object value) implements NftExpr {
        public String text() {
            return value.toString();
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Value v && java.util.Objects.equals(value, v.value);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return value instanceof String s && !s.isEmpty() && !Character.isDigit(s.charAt(0)) && needsQuotes(s)
                    ? "\"" + s + "\"" : text();
        }

        /**
         * What {@code s.matches(".*[^a-z0-9_.:-].*")} said, without a regex per call: a character outside the
         * class, where '.' matches no line terminator, so two or more terminators (one of them the outside
         * character) make it false.
         */
        private static boolean needsQuotes(String s) {
            int terminators = 0;
            boolean other = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                    terminators++;
                } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-')) {
                    other = true;
                }
            }
            return terminators == 1 || terminators == 0 && other;
        }
    }

    /** An address prefix {@code 10.88.0.0/16}. */
    record Prefix(String address, int length) implements NftExpr {
        @Override
        public String toString() {
            return address + "/" + length;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof Prefix p && length == p.length && java.util.Objects.equals(address, p.address);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(address) + length;
        }
    }

    /** An inclusive range {@code 1024-65535} or {@code 10.0.0.1-10.0.0.9}. */
    record Range(NftExpr low, NftExpr high) implements NftExpr {
        @Override
        public String toString() {
            return low + "-" + high;
        }
    }

    /** An anonymous set {@code { tcp, udp }}; elements may be values, prefixes, ranges or concatenations. */
    record SetLiteral(List<NftExpr> elements) implements NftExpr {
        public SetLiteral {
            elements = List.copyOf(elements);
        }

        @Override
        public String toString() {
            return "{ " + String.join(", ", elements.stream().map(Object::toString).toList()) + " }";
        }
    }

    /** A named set or map {@code @name}. */
    record SetRef(String name) implements NftExpr {
        @Override
        public String toString() {
            return "@" + name;
        }
    }

    /** {@code ip daddr . tcp dport}. */
    record Concat(List<NftExpr> parts) implements NftExpr {
        public Concat {
            parts = List.copyOf(parts);
        }

        @Override
        public String toString() {
            return String.join(" . ", parts.stream().map(Object::toString).toList());
        }
    }

    /** {@code meta mark & 0x1000}, {@code meta mark | 0x2000}, shifts. */
    record Binop(String op, NftExpr left, NftExpr right) implements NftExpr {
        @Override
        public String toString() {
            return left + " " + op + " " + right;
        }
    }

    /** A map lookup inside an expression: {@code tcp dport map { 80 : 10.0.0.2 }}. */
    record MapLookup(NftExpr key, NftExpr map) implements NftExpr {
        @Override
        public String toString() {
            return key + " map " + map;
        }
    }

    /** One element of a map literal: {@code key : data}. */
    record Mapping(NftExpr key, NftExpr data) implements NftExpr {
        @Override
        public String toString() {
            return key + " : " + data;
        }
    }

    /** A verdict as map data: {@code accept}, {@code jump chain}. */
    record VerdictData(NftStmt.Verdict verdict) implements NftExpr {
        @Override
        public String toString() {
            return verdict.toString();
        }
    }

    /** An expression the reader does not understand; {@code json} is its text. */
    record Unknown(String json) implements NftExpr {
        @Override
        public String toString() {
            return "?" + json;
        }
    }
}
