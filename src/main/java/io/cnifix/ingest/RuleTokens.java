package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one iptables-save line into words the way iptables-restore does: blanks separate, double quotes
 * group, and a backslash inside quotes escapes the next character (single quotes are plain characters there). Keeps each word's raw text too,
 * so unknown options can be written back exactly.
 */
public final class RuleTokens {
    final List<String> values = new ArrayList<>();
    final List<String> raws = new ArrayList<>();

    static RuleTokens split(String line, String file, int lineNo) {
        RuleTokens t = new RuleTokens();
        int n = line.length();
        int i = 0;
        StringBuilder value = new StringBuilder();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            int start = i;
            value.setLength(0);
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
            t.values.add(value.toString());
            t.raws.add(line.substring(start, i));
        }
        return t;
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
