package io.cnifix.ingest;

/**
 * One string per distinct word of a dump, looked up by its place in a line, so that a word seen before costs no
 * string at all: a big dump repeats a few hundred option names, chain names and targets a million times, and the
 * model keeps some of them per rule. Not thread-safe: one table per thread.
 */
final class WordTable {
    /** Longer words (comments, set names) are rarely repeated: they are not kept. */
    static final int MAX_LENGTH = 64;
    /** A dump with many distinct words (a chain per container) stops sharing new ones past this many. */
    private static final int MAX_WORDS = 1 << 16;

    private String[] slots = new String[1024];
    private int[] hashes = new int[1024];
    private int size;

    private char[] scratch = new char[256];

    /**
     * The characters of {@code line} in an array this table reuses: C1, which the launcher runs with, compiles
     * {@code String.charAt} to a call with its own bounds check, which was a quarter of splitting a big dump.
     */
    char[] chars(String line) {
        return chars(line, 0, line.length());
    }

    /** The characters of {@code text[from, to)}, from index 0 of the array. */
    char[] chars(String text, int from, int to) {
        if (scratch.length < to - from) {
            scratch = new char[Math.max(to - from, scratch.length * 2)];
        }
        text.getChars(from, to, scratch, 0);
        return scratch;
    }


    /** {@code line[start, end)} as a string, the one already made for an equal word when there is one. */
    String word(String line, int start, int end) {
        int len = end - start;
        if (len == 0 || len > MAX_LENGTH) {
            return line.substring(start, end);
        }
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + line.charAt(i);
        }
        return lookup(line, start, end, h);
    }

    /** The same, with {@code cs} holding the characters of {@code text} from {@code from} on (from {@link #chars}). */
    String word(String text, int from, char[] cs, int start, int end) {
        int len = end - start;
        if (len == 0 || len > MAX_LENGTH) {
            return text.substring(from + start, from + end);
        }
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + cs[i];
        }
        return lookup(text, from + start, from + end, h);
    }

    /** {@code h}: the word's String.hashCode. */
    private String lookup(String line, int start, int end, int h) {
        int len = end - start;
        int mask = slots.length - 1;
        int at = (h ^ (h >>> 16)) & mask;
        while (true) {
            String s = slots[at];
            if (s == null) {
                break;
            }
            if (hashes[at] == h && s.length() == len && line.regionMatches(start, s, 0, len)) {
                return s;
            }
            at = (at + 1) & mask;
        }
        String s = line.substring(start, end);
        if (size >= MAX_WORDS) {
            return s;
        }
        // the JVM's own copy: an option or target the parser compares with a literal is then that literal, and
        // String.equals returns at its identity test
        s = s.intern();
        slots[at] = s;
        hashes[at] = h;
        if (++size * 2 > slots.length) {
            grow();
        }
        return s;
    }

    /** {@code word} itself, or the equal string already kept (leaves the {@link #chars} array alone). */
    String word(String word) {
        int len = word.length();
        if (len == 0 || len > MAX_LENGTH) {
            return word;
        }
        int h = word.hashCode();
        return lookup(word, 0, len, h);
    }

    private void grow() {
        String[] old = slots;
        int[] oldHashes = hashes;
        slots = new String[old.length * 2];
        hashes = new int[old.length * 2];
        int mask = slots.length - 1;
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                int h = oldHashes[i];
                int at = (h ^ (h >>> 16)) & mask;
                while (slots[at] != null) {
                    at = (at + 1) & mask;
                }
                slots[at] = old[i];
                hashes[at] = h;
            }
        }
    }
}
