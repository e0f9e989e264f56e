package io.cnifix.model;

/**
 * A stretch {@code [start, end)} of a longer text: a parsed rule keeps its line as a place in the dump, not as a
 * string of its own. A 100,000-rule dump's lines as strings were a quarter of the rules' memory and of what every
 * young collection copied; the dump's text is kept anyway. Equal when the characters are.
 */
public record TextSpan(String base, int start, int end) {

    public TextSpan {
        if (start < 0 || end < start || end > base.length()) {
            throw new IllegalArgumentException("span " + start + ".." + end + " outside a text of " + base.length());
        }
    }

    public static TextSpan of(String text) {
        return new TextSpan(text, 0, text.length());
    }

    public int length() {
        return end - start;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextSpan t && t.length() == length() && base.regionMatches(start, t.base, t.start, length());
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + base.charAt(i);
        }
        return h;
    }

    /** The characters themselves (a new string unless the span is its whole text). */
    @Override
    public String toString() {
        return start == 0 && end == base.length() ? base : base.substring(start, end);
    }
}
