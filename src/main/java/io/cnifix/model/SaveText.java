package io.cnifix.model;

/** iptables-save's quoting of free-text option values (comments, log prefixes). */
public final class SaveText {
    private SaveText() {
    }

    private static boolean plain(char c) {
        return c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** Quotes the way libxtables does: bare when every character is safe, else double quotes with \ before " \ and '. */
    public static String quote(String value) {
        boolean bare = !value.isEmpty();
        for (int i = 0; bare && i < value.length(); i++) {
            bare = plain(value.charAt(i));
        }
        if (bare) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == '\'') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}
