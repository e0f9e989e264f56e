package io.cnifix.model;

import java.util.function.Supplier;

/**
 * A stretch {@code [start, end)} of a longer text: a parsed rule keeps its line as a place in the dump, not as a
 * string of its own. A 100,000-rule dump's lines as strings were a quarter of the rules' memory and of what every
 * young collection copied; the dump's text is kept anyway. Equal when the characters are.
 *
 * <p>A text may also be written only when first asked for ({@link #later}): the engine gives each native nftables
 * rule it meets an iptables-shaped stand-in, and rendering each one's nft text up front was a tenth of judging a
 * netavark host's 10,000 ports, while only the few rules that decide a port are ever shown.
 */
public final class TextSpan {
    private final int start;
    /** The end, or -1 for the whole text of one written later. */
    private final int end;
    /**
     * The text, or null until a later one is written. Read and set without locking: a String is immutable, so a
     * thread that sees it sees it whole, and two threads that race both write the same characters.
     */
    private String base;
    private final Supplier<String> writer;

    public TextSpan(String base, int start, int end) {
        if (start < 0 || end < start || end > base.length()) {
            throw new IllegalArgumentException("span " + start + ".." + end + " outside a text of " + base.length());
        }
        this.base = base;
        this.start = start;
        this.end = end;
        this.writer = null;
    }

    private TextSpan(Supplier<String> writer) {
        this.start = 0;
        this.end = -1;
        this.writer = writer;
    }

    public static TextSpan of(String text) {
        return new TextSpan(text, 0, text.length());
    }

    /** The whole of the text {@code writer} makes, made when first needed ({@code writer} must always make the same). */
    public static TextSpan later(Supplier<String> writer) {
        return new TextSpan(writer);
    }

    public String base() {
        String b = base;
        if (b == null) {
            b = writer.get();
            base = b;
        }
        return b;
    }

    public int start() {
        return start;
    }

    public int end() {
        return end >= 0 ? end : base().length();
    }

    public int length() {
        return end() - start;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextSpan t && t.length() == length() && base().regionMatches(start, t.base(), t.start, length());
    }

    @Override
    public int hashCode() {
        String b = base();
        int h = 0;
        for (int i = start, to = end(); i < to; i++) {
            h = 31 * h + b.charAt(i);
        }
        return h;
    }

    /** The characters themselves (a new string unless the span is its whole text). */
    @Override
    public String toString() {
        String b = base();
        return start == 0 && end() == b.length() ? b : b.substring(start, end());
    }
}
