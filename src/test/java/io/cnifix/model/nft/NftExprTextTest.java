package io.cnifix.model.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Value's text quotes exactly what the regex it replaced quoted, line terminators included. */
class NftExprTextTest {

    private static String regexText(String s) {
        return !s.isEmpty() && !Character.isDigit(s.charAt(0)) && s.matches(".*[^a-z0-9_.:-].*") ? "\"" + s + "\"" : s;
    }

    @Test
    void quotingAgreesWithTheRegex() {
        List<String> fixed = List.of("", "local", "eth0", "Eth0", "a b", "veth+", "a\nb", "a\n\nb", "\r\n", "x\u2028",
                "10.0.0.1", "fe80::1", "a-b_c.d:e", "\u0085", "é", "a\rb\nc");
        for (String s : fixed) {
            assertEquals(regexText(s), new NftExpr.Value(s).toString(), s);
        }
        char[] alphabet = "az09_.:-A Z+\n\r\u0085\u2028\u2029\"é".toCharArray();
        Random rnd = new Random(7);
        for (int i = 0; i < 20000; i++) {
            char[] c = new char[rnd.nextInt(6)];
            for (int k = 0; k < c.length; k++) {
                c[k] = alphabet[rnd.nextInt(alphabet.length)];
            }
            String s = new String(c);
            assertEquals(regexText(s), new NftExpr.Value(s).toString(), s);
        }
    }

    @Test
    void ruleTextJoinsStatementsAndComment() {
        NftRule r = new NftRule("inet", "t", "c", 1, List.of(
                new NftStmt.Match(new NftExpr.Payload("tcp", "dport"), "==", new NftExpr.Value(80L)),
                new NftStmt.Verdict("accept", null, null)), "web");
        assertEquals("tcp dport 80 accept comment \"web\"", r.text());
        assertEquals("", new NftRule("inet", "t", "c", 1, List.of(), null).text());
    }
}
