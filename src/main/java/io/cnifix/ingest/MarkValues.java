package io.cnifix.ingest;

/** Parses {@code value[/mask]} as iptables does (hex with 0x, or decimal); the mask defaults to all ones. */
final class MarkValues {
    private MarkValues() {
    }

    static long[] parse(String text, RuleLineParser rule, String option) {
        int slash = text.indexOf('/');
        long value = number(slash < 0 ? text : text.substring(0, slash), rule, option);
        long mask = slash < 0 ? 0xffffffffL : number(text.substring(slash + 1), rule, option);
        return new long[] {value, mask};
    }

    static long number(String text, RuleLineParser rule, String option) {
        try {
            long v = text.startsWith("0x") || text.startsWith("0X")
                    ? Long.parseLong(text.substring(2), 16)
                    : Long.parseLong(text);
            if (v < 0 || v > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw rule.error("bad mark value '" + text + "' for " + option);
        }
    }
}
