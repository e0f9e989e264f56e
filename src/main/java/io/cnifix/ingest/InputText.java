package io.cnifix.ingest;

import java.util.ArrayList;
import java.util.List;

/** The text of one input, with the name errors should use for it (a path, or "-" for standard input). */
public record InputText(String name, String content) {

    /**
     * The first {@code n} lines of {@code text}, for sniffing what an input is: {@code split("\n", n)} would copy
     * the whole rest of a large dump into its last element.
     */
    static List<String> firstLines(String text, int n) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (out.size() < n && i <= text.length()) {
            int end = text.indexOf('\n', i);
            if (end < 0) {
                out.add(text.substring(i));
                break;
            }
            out.add(text.substring(i, end));
            i = end + 1;
        }
        return out;
    }
}
