package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one iptables-save line into words the way iptables-restore does: blanks separate, double quotes
 * group, and a backslash inside quotes escapes the next character (single quotes are plain characters there). Keeps each word's raw text too,
 * so unknown options can be written back exactly.
 */
public final class RuleTokens {
    final List<String> values = new ArrayList<>(16);
    /** The same list as {@code values} until a word has quotes (most lines have none). */
    List<String> raws = values;

    static RuleTokens split(String line, String file, int lineNo) {
        return split(line, file, lineNo, null);
    }

    /**
     * With {@code words}, a word that is not a number or an address is shared with every equal word split with the
     * same table, and a word seen before makes no new string.
     */
    static RuleTokens split(String line, String file, int lineNo, WordTable words) {
        return split(line, 0, line.length(), file, lineNo, words);
    }

    /** The line {@code text[from, to)}, split without making it a string of its own. */
    static RuleTokens split(String text, int from, int to, String file, int lineNo, WordTable words) {
        RuleTokens t = new RuleTokens();
        int n = to - from;
        char[] cs = words != null ? words.chars(text, from, to) : text.substring(from, to).toCharArray();
        int i = 0;
        StringBuilder value = null;
        while (i < n) {
            char c = cs[i];
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            int start = i;
            // most words have no quote: their value is their raw text, one string for both
            while (i < n && (c = cs[i]) != ' ' && c != '\t' && c != '"') {
                i++;
            }
            if (i == n || c != '"') {
                String word = words != null && shared(cs, start, i) ? words.word(text, from, cs, start, i)
                        : text.substring(from + start, from + i);
                t.values.add(word);
                if (t.raws != t.values) {
                    t.raws.add(word);
                }
                continue;
            }
            if (t.raws == t.values) {
                t.raws = new ArrayList<>(t.values);
            }
            if (value == null) {
                value = new StringBuilder();
            }
            value.setLength(0);
            value.append(cs, start, i - start);
            char quote = 0;
            while (i < n) {
                c = cs[i];
                if (quote != 0) {
                    if (c == '\\' && i + 1 < n) {
                        value.append(cs[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (c == quote) {
                        quote = 0;
                        i++;
                        continue;
                    }
                    value.append(c);
                    i++;
                } else if (c == '"') {
                    quote = c;
                    i++;
                } else if (c == ' ' || c == '\t') {
                    break;
                } else {
                    value.append(c);
                    i++;
                }
            }
            if (quote != 0) {
                throw new InputException(file, lineNo, "unterminated quote starting at column " + (start + 1));
            }
            String v = value.toString();
            t.values.add(words != null && !v.isEmpty() && v.length() <= WordTable.MAX_LENGTH
                    && shared(v.toCharArray(), 0, v.length()) ? words.word(v) : v);
            t.raws.add(text.substring(from + start, from + i));
        }
        return t;
    }

    /** Addresses, ports and counters are many distinct values, each used once: not worth a table entry. */
    private static boolean shared(char[] cs, int start, int end) {
        if (end - start > WordTable.MAX_LENGTH) {
            return false;
        }
        char c = cs[start];
        if (c >= '0' && c <= '9') {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (cs[i] == ':') {
                return false;
            }
        }
        return true;
    }


    /** The words of a rule as iptables-restore would split them (quotes removed, escapes resolved). */
    public static java.util.List<String> words(String line) {
        return split(line, "rule", 0).values;
    }

    /** These tokens with those from {@code start} on in the given order (positions into this list). */
    RuleTokens reordered(int start, List<Integer> order) {
        RuleTokens t = new RuleTokens();
        if (raws != values) {
            t.raws = new ArrayList<>();
        }
        for (int i = 0; i < start; i++) {
            t.values.add(values.get(i));
            if (t.raws != t.values) {
                t.raws.add(raws.get(i));
            }
        }
        for (int i : order) {
            t.values.add(values.get(i));
            if (t.raws != t.values) {
                t.raws.add(raws.get(i));
            }
        }
        return t;
    }

    int size() {
        return values.size();
    }
}
