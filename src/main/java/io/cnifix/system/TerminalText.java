package io.cnifix.system;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The one escaping rule for everything cnifix writes for people: control characters (C0 but newline and tab, DEL,
 * C1) become the visible text <code>&#92;u00XX</code>, so a container name, a rule comment or a file's content can never move
 * the cursor, retitle the window, ring the bell or overwrite a line. The same spelling is a JSON string escape, so
 * JSON that passes through stays exactly the same value (Gson already escapes C0; DEL and C1 it leaves raw).
 */
public final class TerminalText {
    private TerminalText() {
    }

    /** {@code s} with every control character but newline and tab spelled <code>&#92;u00XX</code>. */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (control(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    static boolean control(int c) {
        return c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f;
    }

    /** Colour changes cnifix itself writes (diff's status column); nothing that moves, hides or erases. */
    private static final Set<String> COLOURS = Set.of("[0m", "[31m", "[32m", "[33m", "[36m");

    /** A stream that escapes what passes through; {@code colours}: let cnifix's own colour changes through. */
    public static PrintStream escaping(PrintStream to, boolean colours) {
        if (to instanceof Escaping) {
            return to;
        }
        return new Escaping(to, colours);
    }

    /** True when {@code out} writes (perhaps through the escaping stream) to {@code target}. */
    public static boolean writesTo(PrintStream out, PrintStream target) {
        return out == target || out instanceof Escaping e && e.target == target;
    }

    private static final class Escaping extends PrintStream {
        final PrintStream target;

        Escaping(PrintStream target, boolean colours) {
            super(new Filter(target, colours), true, StandardCharsets.UTF_8);
            this.target = target;
        }
    }

    /** Works on UTF-8 bytes: C0 and DEL are single bytes, C1 is 0xC2 followed by 0x80..0x9F. */
    private static final class Filter extends FilterOutputStream {
        private final boolean colours;
        private boolean lead;                          // a 0xC2 byte waits for the next one
        private StringBuilder sgr;                     // bytes after an ESC that may still be an allowed colour

        Filter(OutputStream out, boolean colours) {
            super(out);
            this.colours = colours;
        }

        @Override
        public void write(int b) throws IOException {
            b &= 0xff;
            if (sgr != null) {
                sgr.append((char) b);
                String s = sgr.toString();
                if (COLOURS.contains(s)) {
                    out.write(0x1b);
                    out.write(s.getBytes(StandardCharsets.US_ASCII));
                    sgr = null;
                } else if (COLOURS.stream().noneMatch(c -> c.startsWith(s))) {
                    sgr = null;
                    hex(0x1b);
                    for (char c : s.toCharArray()) {
                        write(c);
                    }
                }
                return;
            }
            if (lead) {
                lead = false;
                if (b >= 0x80 && b <= 0x9f) {
                    hex(b);
                    return;
                }
                out.write(0xc2);
            }
            if (b == 0xc2) {
                lead = true;
            } else if (b == 0x1b && colours) {
                sgr = new StringBuilder();
            } else if (b < 0x20 && b != '\n' && b != '\t' || b == 0x7f) {
                // one byte: C0 or DEL. 0x80..0xbf here are continuation bytes of other characters, never C1.
                hex(b);
            } else {
                out.write(b);
            }
        }

        /** Runs of bytes that pass unchanged go on as one write: a byte at a time was a tenth of printing a big diff. */
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int end = off + len;
            int i = off;
            while (i < end) {
                int j = i;
                if (sgr == null && !lead) {
                    while (j < end && plain(b[j] & 0xff)) {
                        j++;
                    }
                }
                if (j > i) {
                    out.write(b, i, j - i);
                    i = j;
                } else {
                    write(b[i]);
                    i++;
                }
            }
        }

        /** A byte that {@link #write(int)} passes on as it is whatever came before it. */
        private static boolean plain(int b) {
            return b >= 0x20 && b != 0x7f && b != 0xc2 || b == '\n' || b == '\t';
        }

        private void hex(int b) throws IOException {
            out.write(String.format("\\u%04x", b).getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void close() throws IOException {
            if (lead) {
                out.write(0xc2);
            }
            if (sgr != null) {
                hex(0x1b);
                out.write(sgr.toString().getBytes(StandardCharsets.US_ASCII));
            }
            super.close();
        }
    }
}
