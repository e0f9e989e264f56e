package io.cnifix.model;

/** An address prefix; the base address is always normalised to the network address. */
public record Cidr(IpAddress base, int prefix) {

    public Cidr {
        int bits = base.family().bits();
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range for " + base);
        }
        base = mask(base, prefix);
    }

    /** Parses {@code a.b.c.d[/n]} or {@code v6[/n]}; a bare address is a host prefix. Dotted masks are accepted. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            IpAddress a = IpAddress.parse(text);
            return new Cidr(a, a.family().bits());
        }
        IpAddress a = IpAddress.parse(text.substring(0, slash));
        String p = text.substring(slash + 1);
        if (p.indexOf('.') >= 0) {
            return new Cidr(a, dottedMaskLength(p, text));
        }
        try {
            return new Cidr(a, Integer.parseInt(p));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in " + text);
        }
    }

    private static int dottedMaskLength(String mask, String whole) {
        long m = IpAddress.parse(mask).lo();
        int len = Long.bitCount(m);
        long expected = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
        if (m != expected) {
            throw new IllegalArgumentException("non-contiguous mask in " + whole);
        }
        return len;
    }

    public static Cidr all(Family family) {
        return new Cidr(new IpAddress(family, 0, 0), 0);
    }

    public static Cidr host(IpAddress a) {
        return new Cidr(a, a.family().bits());
    }

    public Family family() {
        return base.family();
    }

    public boolean contains(IpAddress a) {
        if (a.family() != base.family()) {
            return false;
        }
        if (a.isV4()) {
            long m = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            return (a.lo() & m) == base.lo();
        }
        long hiMask = prefix >= 64 ? -1L : (prefix == 0 ? 0 : -1L << (64 - prefix));
        long loMask = prefix <= 64 ? 0 : (prefix == 128 ? -1L : -1L << (128 - prefix));
        return (a.hi() & hiMask) == base.hi() && (a.lo() & loMask) == base.lo();
    }

    public boolean isHost() {
        return prefix == base.family().bits();
    }

    /** The last address in the prefix. */
    public IpAddress last() {
        int bits = base.family().bits();
        int hostBits = bits - prefix;
        if (base.isV4()) {
            long span = hostBits == 32 ? 0xffffffffL : (1L << hostBits) - 1;
            return IpAddress.v4(base.lo() | span);
        }
        long hiSpan = hostBits <= 64 ? 0 : (hostBits == 128 ? -1L : (1L << (hostBits - 64)) - 1);
        long loSpan = hostBits >= 64 ? -1L : (1L << hostBits) - 1;
        return new IpAddress(Family.V6, base.hi() | hiSpan, base.lo() | loSpan);
    }

    /** The network address of {@code a}'s prefix; {@code a} itself when it is one (a host prefix always is). */
    static IpAddress mask(IpAddress a, int prefix) {
        if (a.isV4()) {
            long m = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            return (a.lo() & m) == a.lo() ? a : IpAddress.v4(a.lo() & m);
        }
        long hiMask = prefix >= 64 ? -1L : (prefix == 0 ? 0 : -1L << (64 - prefix));
        long loMask = prefix <= 64 ? 0 : (prefix == 128 ? -1L : -1L << (128 - prefix));
        if ((a.hi() & hiMask) == a.hi() && (a.lo() & loMask) == a.lo()) {
            return a;
        }
        return new IpAddress(Family.V6, a.hi() & hiMask, a.lo() & loMask);
    }

    @Override
    public String toString() {
        return base + "/" + prefix;
    }
}
