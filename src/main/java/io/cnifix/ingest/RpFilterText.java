package io.cnifix.ingest;

import io.cnifix.model.RpFilter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code rp_filter} sysctl as {@code sysctl} prints it, one {@code net.ipv4.conf.NAME.rp_filter = N} line per
 * entry ({@code all}, {@code default}, each interface; sysctl writes a dot in an interface name as "/"). It is what
 * {@code cnifix snapshot} stores as {@code sysctl-rp_filter.txt} and what the live host yields, read from /proc.
 */
public final class RpFilterText {
    private static final String PREFIX = "net.ipv4.conf.";
    private static final String SUFFIX = ".rp_filter";

    private RpFilterText() {
    }

    /** Told by the file name ("sysctl-rp_filter...") or by a first line in this shape. */
    public static boolean looksLike(InputText t) {
        String base = t.name().substring(t.name().lastIndexOf('/') + 1);
        if (base.startsWith("sysctl-rp_filter")) {
            return true;
        }
        for (String line : InputText.firstLines(t.content(), 50)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                return s.startsWith(PREFIX) && s.contains(SUFFIX);
            }
        }
        return false;
    }

    /** The text of one namespace's values, in the order given (all, default, then interfaces). */
    public static String format(Integer all, Integer defaults, Map<String, Integer> interfaces) {
        StringBuilder sb = new StringBuilder();
        if (all != null) {
            sb.append(PREFIX).append("all").append(SUFFIX).append(" = ").append(all).append('\n');
        }
        if (defaults != null) {
            sb.append(PREFIX).append("default").append(SUFFIX).append(" = ").append(defaults).append('\n');
        }
        for (Map.Entry<String, Integer> e : interfaces.entrySet()) {
            sb.append(PREFIX).append(e.getKey().replace('.', '/')).append(SUFFIX).append(" = ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    public static RpFilter parse(InputText t) {
        Integer all = null;
        Integer defaults = null;
        Map<String, Integer> ifaces = new LinkedHashMap<>();
        String[] lines = t.content().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String s = lines[i].strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            int eq = s.indexOf('=');
            String key = eq < 0 ? s : s.substring(0, eq).strip();
            String value = eq < 0 ? "" : s.substring(eq + 1).strip();
            if (eq < 0 || !key.startsWith(PREFIX) || !key.endsWith(SUFFIX) || key.length() <= PREFIX.length() + SUFFIX.length()) {
                throw new InputException(t.name(), i + 1, "expected \"net.ipv4.conf.NAME.rp_filter = 0|1|2\"");
            }
            if (!value.equals("0") && !value.equals("1") && !value.equals("2")) {
                throw new InputException(t.name(), i + 1, "rp_filter is 0 (off), 1 (strict) or 2 (loose), not \""
                        + (value.length() > 20 ? value.substring(0, 20) + "..." : value) + "\"");
            }
            String name = key.substring(PREFIX.length(), key.length() - SUFFIX.length()).replace('/', '.');
            int v = Integer.parseInt(value);
            switch (name) {
                case "all" -> all = v;
                case "default" -> defaults = v;
                default -> ifaces.put(name, v);
            }
        }
        return new RpFilter(all, defaults, ifaces, t.name());
    }
}
