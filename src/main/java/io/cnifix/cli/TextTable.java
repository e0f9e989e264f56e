package io.cnifix.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table whose columns are as wide as their widest cell. Given a width (a terminal's), the flexible column
 * (the last, a free-text "why") and then the widest others are cut with "…" so that no row wraps, as
 * {@code podman ps} does; width 0 prints every cell whole.
 */
final class TextTable {
    private static final String GAP = "  ";
    /** A cut column keeps at least this much, so that what is left still says something. */
    private static final int MIN_CUT = 12;

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;
    private String indent = "";

    TextTable(String... headers) {
        this.columns = headers.length;
        rows.add(headers);
    }

    /** Every row starts with {@code prefix} (a table under a heading). */
    TextTable indent(String prefix) {
        indent = prefix;
        return this;
    }

    TextTable row(Object... cells) {
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    boolean empty() {
        return rows.size() == 1;
    }

    void print(PrintStream out, int width) {
        int[] w = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                w[i] = Math.max(w[i], visible(r[i]));
            }
        }
        if (width > 0) {
            fit(w, width - indent.length() - GAP.length() * (columns - 1));
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(indent);
            for (int i = 0; i < columns; i++) {
                String cell = cut(r[i], w[i]);
                sb.append(cell);
                if (i < columns - 1) {
                    sb.append(" ".repeat(w[i] - visible(cell))).append(GAP);
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** Narrows columns until they fit: the last first, then the widest, none below {@link #MIN_CUT}. */
    private static void fit(int[] w, int room) {
        int total = 0;
        for (int x : w) {
            total += x;
        }
        int last = w.length - 1;
        int over = total - room;
        if (over > 0 && w[last] > MIN_CUT) {
            int cut = Math.min(over, w[last] - MIN_CUT);
            w[last] -= cut;
            over -= cut;
        }
        while (over > 0) {
            int widest = -1;
            for (int i = 0; i < last; i++) {
                if (w[i] > MIN_CUT && (widest < 0 || w[i] > w[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                return;
            }
            w[widest]--;
            over--;
        }
    }

    /** The text cut to {@code width} visible characters, with "…" as the last one; colour codes are kept. */
    static String cut(String text, int width) {
        if (visible(text) <= width) {
            return text;
        }
        StringBuilder sb = new StringBuilder();
        int seen = 0;
        boolean painted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u001b') {
                int m = text.indexOf('m', i);
                sb.append(text, i, m + 1);
                painted = true;
                i = m;
            } else if (seen < width - 1) {
                sb.append(c);
                seen++;
            }
        }
        sb.append('…');
        return painted ? sb + "\u001b[0m" : sb.toString();
    }

    /**
     * Length without ANSI colour codes (ESC '[' digits and ';' then 'm'). Scanned, not a regex: a regex compiled
     * per cell was most of printing a 10,000-port table (0.15 s).
     */
    static int visible(String s) {
        int esc = s.indexOf('\u001b');
        if (esc < 0) {
            return s.length();
        }
        int n = s.length();
        int hidden = 0;
        for (int i = esc; i < n; i++) {
            if (s.charAt(i) != '\u001b' || i + 1 >= n || s.charAt(i + 1) != '[') {
                continue;
            }
            int j = i + 2;
            while (j < n && (s.charAt(j) >= '0' && s.charAt(j) <= '9' || s.charAt(j) == ';')) {
                j++;
            }
            if (j < n && s.charAt(j) == 'm') {
                hidden += j + 1 - i;
                i = j;
            }
        }
        return n - hidden;
    }
}
