package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits one iptables-save line into words the way iptables-restore does: blanks separate, double quotes
 * group, and a backslash inside quotes escapes the next character (single quotes are plain characters there). Keeps each word's raw text too,
 * so unknown options can be written back exactly.
 */
public final class RuleTokens {
    final List<String> values = new ArrayList<>();
    final List<String> raws = new ArrayList<>();

    static RuleTokens split(String line, String file, int lineNo) {
        return split(line, file, lineNo, null);
    }

    /**
     * With {@code words}, a word that is not a number or an address is shared with every equal word split with the
     * same map: a big dump repeats a few hundred distinct option names, chain names and targets a million times,
     * and the model keeps some of them per rule.
     */
    static RuleTokens split(String line, String file, int lineNo, Map<String, String> words) {
        RuleTokens t = new RuleTokens();
        int n = line.length();
        int i = 0;
        StringBuilder value = null;
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            int start = i;
            // most words have no quote: their value is their raw text, one string for both
            while (i < n && (c = line.charAt(i)) != ' ' && c != '\t' && c != '"') {
                i++;
            }
            if (i == n || c != '"') {
                String word = share(line.substring(start, i), words);
                t.values.add(word);
                t.raws.add(word);
                continue;
            }
            if (value == null) {
                value = new StringBuilder();
            }
            value.setLength(0);
            value.append(line, start, i);
            char quote = 0;
            while (i < n) {
                c = line.charAt(i);
                if (quote != 0) {
                    if (c == '\\' && i + 1 < n) {
                        value.append(line.charAt(i + 1));
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
            t.values.add(share(value.toString(), words));
            t.raws.add(line.substring(start, i));
        }
        return t;
    }

    private static String share(String word, Map<String, String> words) {
        if (words == null || word.isEmpty() || word.length() > 64) {
            return word;
        }
        char c = word.charAt(0);
        if (c == '-' || (c >= '0' && c <= '9') || word.indexOf(':') >= 0) {
            // options are read, not kept; addresses, ports and counters are many distinct values, each used once
            return word;
        }
        String had = words.putIfAbsent(word, word);
        return had == null ? word : had;
    }

    /** The words of a rule as iptables-restore would split them (quotes removed, escapes resolved). */
    public static java.util.List<String> words(String line) {
        return split(line, "rule", 0).values;
    }

    /** These tokens with those from {@code start} on in the given order (positions into this list). */
    RuleTokens reordered(int start, List<Integer> order) {
        RuleTokens t = new RuleTokens();
        for (int i = 0; i < start; i++) {
            t.values.add(values.get(i));
            t.raws.add(raws.get(i));
        }
        for (int i : order) {
            t.values.add(values.get(i));
            t.raws.add(raws.get(i));
        }
        return t;
    }

    int size() {
        return values.size();
    }
}
