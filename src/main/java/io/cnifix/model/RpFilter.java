package io.cnifix.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The IPv4 {@code rp_filter} sysctl of one network namespace: {@code net.ipv4.conf.{all,default,IFACE}.rp_filter}
 * (0 off, 1 strict, 2 loose). The kernel checks an incoming packet with the larger of {@code all} and its interface's
 * value; an interface not listed is taken to have {@code default}, which is what a new interface gets. Absent
 * values count as 0. {@code source}: where the values were read (a file name or "sysctl").
 */
public record RpFilter(Integer all, Integer defaults, Map<String, Integer> interfaces, String source) {
    public static final int OFF = 0;
    public static final int STRICT = 1;
    public static final int LOOSE = 2;

    public RpFilter {
        interfaces = Map.copyOf(new LinkedHashMap<>(interfaces));
    }

    /** The mode the kernel applies to packets coming in on {@code iface}: max(all, the interface's own). */
    public int effective(String iface) {
        Integer own = iface == null ? null : interfaces.get(iface);
        int dev = own != null ? own : defaults != null ? defaults : 0;
        return Math.max(all == null ? 0 : all, dev);
    }

    /** True when some interface is checked (a cheap test before splitting source classes at routes). */
    public boolean anyOn() {
        if (all != null && all > 0 || defaults != null && defaults > 0) {
            return true;
        }
        return interfaces.values().stream().anyMatch(v -> v > 0);
    }

    /** How a mode reads in a verdict's words. */
    public static String word(int mode) {
        return switch (mode) {
            case STRICT -> "strict";
            case LOOSE -> "loose";
            default -> "off";
        };
    }
}
