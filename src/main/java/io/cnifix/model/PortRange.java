package io.cnifix.model;

/** An inclusive range of ports; a single port has {@code first == last}. */
public record PortRange(int first, int last) {

    // see IpAddress: explicit, so no method-handle bootstrap on a short run
    @Override
    public boolean equals(Object o) {
        return o instanceof PortRange r && r.first == first && r.last == last;
    }

    @Override
    public int hashCode() {
        return first * 65537 + last;
    }

    public PortRange {
        if (first < 0 || last > 65535 || first > last) {
            throw new IllegalArgumentException("bad port range " + first + ":" + last);
        }
    }

    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    public static final PortRange ALL = new PortRange(0, 65535);

    /** Parses iptables' {@code a}, {@code a:b}, {@code :b} and {@code a:} forms. */
    public static PortRange parse(String text, char separator) {
        int sep = text.indexOf(separator);
        if (sep < 0) {
            return of(port(text));
        }
        String a = text.substring(0, sep);
        String b = text.substring(sep + 1);
        return new PortRange(a.isEmpty() ? 0 : port(a), b.isEmpty() ? 65535 : port(b));
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range: " + s);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number: " + s);
        }
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    public String render(char separator) {
        return first == last ? Integer.toString(first) : first + String.valueOf(separator) + last;
    }

    @Override
    public String toString() {
        return render('-');
    }
}
