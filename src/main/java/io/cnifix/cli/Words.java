package io.cnifix.cli;

/** Small pieces of English the text output shares. */
final class Words {
    private Words() {
    }

    /** "1 port", "3 ports", "1 address", "2 addresses": the nouns cnifix counts take "s", or "es" after an s. */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : noun.endsWith("s") ? "es" : "s");
    }
}
