package io.cnifix.model;

/**
 * An IPv4 or IPv6 address as two longs, so that CIDR tests and class splitting are plain arithmetic.
 * IPv4 addresses live in the low 32 bits of {@code lo}.
 */
public record IpAddress(Family family, long hi, long lo) implements Comparable<IpAddress> {

    // Explicit equals and hashCode: a record's generated ones are bootstrapped through method handles on first use,
    // which costs a short run (C1 only) more than all its comparisons; the same holds for the records below.
    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.lo == lo && a.hi == hi && a.family == family;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(hi) * 31 + Long.hashCode(lo)) * 31 + family.ordinal();
    }

    public static IpAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (text.indexOf(':') < 0) {
            return new IpAddress(Family.V4, 0, parseV4(text));
        }
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        long[] words = parseV6(literal, text);
        return new IpAddress(Family.V6, words[0], words[1]);
    }

    /** RFC 4291 text form, with "::" and an optional dotted IPv4 tail; never consults a resolver. */
    private static long[] parseV6(String s, String original) {
        int[] groups = new int[8];
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException("not an IPv6 address: " + original);
        }
        java.util.List<Integer> head = groups(gap < 0 ? s : s.substring(0, gap), original, gap < 0);
        java.util.List<Integer> tail = gap < 0 ? java.util.List.of() : groups(s.substring(gap + 2), original, true);
        int total = head.size() + tail.size();
        if ((gap < 0 && total != 8) || (gap >= 0 && total > 7)) {
            throw new IllegalArgumentException("not an IPv6 address: " + original);
        }
        for (int i = 0; i < head.size(); i++) {
            groups[i] = head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            groups[8 - tail.size() + i] = tail.get(i);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[4 + i];
        }
        return new long[] {hi, lo};
    }

    private static java.util.List<Integer> groups(String part, String original, boolean mayEndInV4) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String p = pieces[i];
            if (i == pieces.length - 1 && mayEndInV4 && p.indexOf('.') >= 0) {
                long v4 = parseV4(p);
                out.add((int) (v4 >>> 16));
                out.add((int) (v4 & 0xffff));
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                throw new IllegalArgumentException("not an IPv6 address: " + original);
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0) {
                    throw new IllegalArgumentException("not an IPv6 address: " + original);
                }
                v = v * 16 + d;
            }
            out.add(v);
        }
        return out;
    }

    public static IpAddress v4(long value) {
        return new IpAddress(Family.V4, 0, value & 0xffffffffL);
    }

    private static long parseV4(String text) {
        long value = 0;
        int parts = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            long octet = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                octet = octet * 10 + (text.charAt(i) - '0');
                if (octet > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: " + text);
                }
                i++;
            }
            if (i == start) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            value = (value << 8) | octet;
            parts++;
            if (i < n) {
                if (text.charAt(i) != '.' || i == n - 1) {
                    throw new IllegalArgumentException("not an IPv4 address: " + text);
                }
                i++;
            }
        }
        if (parts != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        return value;
    }

    public boolean isV4() {
        return family == Family.V4;
    }

    public boolean isUnspecified() {
        return hi == 0 && lo == 0;
    }

    public boolean isLoopback() {
        return isV4() ? (lo >>> 24) == 127 : hi == 0 && lo == 1;
    }

    /** Adds {@code delta} (may be negative), wrapping within the family's space. */
    public IpAddress plus(long delta) {
        if (isV4()) {
            return v4(lo + delta);
        }
        long newLo = lo + delta;
        long carry = 0;
        if (delta > 0 && Long.compareUnsigned(newLo, lo) < 0) {
            carry = 1;
        } else if (delta < 0 && Long.compareUnsigned(newLo, lo) > 0) {
            carry = -1;
        }
        return new IpAddress(Family.V6, hi + carry, newLo);
    }

    @Override
    public int compareTo(IpAddress o) {
        int c = family.compareTo(o.family);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        if (isV4()) {
            return (lo >>> 24 & 0xff) + "." + (lo >>> 16 & 0xff) + "." + (lo >>> 8 & 0xff) + "." + (lo & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            groups[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        // RFC 5952: compress the longest run of two or more zero groups.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] == 0) {
                int j = i;
                while (j < 8 && groups[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** {@code addr:port}, with IPv6 addresses in brackets ({@code [2001:db8::5]:8080}) so the port reads apart. */
    public String withPort(int port) {
        return (isV4() ? toString() : "[" + this + "]") + ":" + port;
    }

    /** As {@link #withPort}, for a possibly absent address shown as {@code absent}. */
    public static String withPort(IpAddress a, String absent, int port) {
        return a == null ? absent + ":" + port : a.withPort(port);
    }
}
