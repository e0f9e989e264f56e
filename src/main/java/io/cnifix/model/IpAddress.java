package io.cnifix.model;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two longs, so that CIDR tests and class splitting are plain arithmetic.
 * IPv4 addresses live in the low 32 bits of {@code lo}.
 */
public record IpAddress(Family family, long hi, long lo) implements Comparable<IpAddress> {

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
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            // Only hex digits, colons and dots: guarantees InetAddress never does a DNS lookup.
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                throw new IllegalArgumentException("not an IPv6 address: " + text);
            }
        }
        try {
            byte[] b = InetAddress.getByName(literal).getAddress();
            if (b.length == 4) {
                // ::ffff:a.b.c.d comes back as IPv4 from InetAddress; keep it as IPv6.
                return new IpAddress(Family.V6, 0, 0xffff00000000L | toLong(b, 0, 4));
            }
            return new IpAddress(Family.V6, toLong(b, 0, 8), toLong(b, 8, 8));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        }
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

    private static long toLong(byte[] b, int off, int len) {
        long v = 0;
        for (int i = 0; i < len; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
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
}
