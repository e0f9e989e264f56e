package io.cnifix.ingest;

import io.cnifix.system.SyntheticHost;
import io.cnifix.model.Family;
import io.cnifix.model.Ruleset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large dump's rule lines are parsed in batches on two threads (IptablesSaveParser.PARALLEL_CHARS); the result,
 * the notes and the first error must be exactly those of the one-thread parse. Threshold 0 forces two threads.
 */
class BatchedParseTest {
    @TempDir
    Path dir;

    private static Ruleset parse(String name, String text, int parallelChars) {
        InputText in = new InputText(name, text);
        return IptablesSaveParser.parse(in, IptablesSaveParser.familyOf(in), NameTables.bundled(), parallelChars);
    }

    private static String outcome(String name, String text, int parallelChars) {
        try {
            return parse(name, text, parallelChars).toString();
        } catch (InputException e) {
            return "error " + e.oneLine();
        }
    }

    private static void same(String name, String text) {
        String one = outcome(name, text, Integer.MAX_VALUE);
        assertEquals(one, outcome(name, text, 0), name);
    }

    @Test
    void everyFixtureDumpParsesTheSameOnTwoThreads() throws Exception {
        List<Path> dumps;
        try (Stream<Path> s = Files.walk(Path.of("fixtures"))) {
            dumps = s.filter(p -> p.getFileName().toString().matches("ip6?tables(-legacy|-nft)?-save\\.txt")).toList();
        }
        assertFalse(dumps.isEmpty());
        for (Path p : dumps) {
            same(p.toString(), Files.readString(p));
        }
    }

    @Test
    void aSyntheticHostOfManyBatchesParsesTheSameOnTwoThreads() throws Exception {
        SyntheticHost.write(dir, 200, 5, 12_000);
        String text = Files.readString(dir.resolve("iptables-save.txt"));
        Ruleset one = parse("iptables-save.txt", text, Integer.MAX_VALUE);
        Ruleset two = parse("iptables-save.txt", text, 0);
        assertTrue(one.ruleCount() > 5 * RuleBatch.SIZE, "rules: " + one.ruleCount());
        assertEquals(one, two);
        assertEquals(one.toString(), two.toString());
    }

    /** Redeclared chains, a table given twice, old spellings with notes, chains declared between rules. */
    private static String tricky(int rules) {
        StringBuilder sb = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:A - [0:0]\n");
        for (int i = 0; i < rules; i++) {
            sb.append("-A A -s 10.").append(i >> 8 & 255).append('.').append(i & 255).append(".1/32 -j RETURN\n");
        }
        sb.append("COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:U - [0:0]\n");
        for (int i = 0; i < rules; i++) {
            sb.append("-A FORWARD -d ! 10.0.").append(i >> 8 & 255).append('.').append(i & 255).append(" -j U\n");
            if (i == rules / 2) {
                // a late chain: rules before this line do not know it; U is flushed and filled again
                sb.append(":LATE - [0:0]\n:U - [0:0]\n-A U -j LATE\n");
            }
            sb.append("[3:4] -A U -p tcp -m tcp --dport ").append(1 + i % 60000).append(" -m comment --comment \"c ")
                    .append(i).append("\" -j ACCEPT\n");
        }
        sb.append("-A LATE -j DROP\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:B - [0:0]\n-A B -j RETURN\nCOMMIT\n");
        return sb.toString();
    }

    @Test
    void redeclarationsRepeatedTablesAndNotesComeOutInLineOrder() {
        String text = tricky(3000);
        Ruleset one = parse("tricky", text, Integer.MAX_VALUE);
        Ruleset two = parse("tricky", text, 0);
        assertEquals(one, two);
        assertEquals(one.notes(), two.notes());
        assertTrue(one.notes().size() > 3000, "notes: " + one.notes().size());
        // the second nat block replaces the first, after filter
        assertEquals(List.of("filter", "nat"), new ArrayList<>(one.tables().keySet()));
        // U was flushed half way: its jump to LATE and the later half of its rules, numbered from 1
        List<io.cnifix.model.Rule> u = one.chain("filter", "U").rules();
        assertEquals(1 + 3000 - 3000 / 2, u.size());
        assertEquals("-A U -j LATE", u.get(0).text());
        assertEquals(u.size(), u.get(u.size() - 1).number());
    }

    @Test
    void theFirstBadLineIsTheErrorWhateverThreadFindsIt() {
        String good = tricky(3000);
        List<String> lines = new ArrayList<>(List.of(good.split("\n")));
        // a bad address early in the filter table, then a structural error much later
        int early = lines.indexOf("-A FORWARD -d ! 10.0.0.7 -j U");
        lines.set(early, "-A FORWARD -d 10.0.0.300 -j U");
        int late = lines.size() - 10;
        lines.add(late, "*bogus");
        String text = String.join("\n", lines) + "\n";
        InputException e1 = assertThrows(InputException.class, () -> parse("bad", text, Integer.MAX_VALUE));
        InputException e2 = assertThrows(InputException.class, () -> parse("bad", text, 0));
        assertEquals(early + 1, e1.line());
        assertEquals(e1.oneLine(), e2.oneLine());

        // the same bad address in a late batch, with an earlier line good: that later line is the error
        List<String> second = new ArrayList<>(List.of(good.split("\n")));
        int later = second.indexOf("-A FORWARD -d ! 10.0.9.7 -j U");
        second.set(later, "-A FORWARD -d ! 10.0.9.7 -j U --bogus");
        String t2 = String.join("\n", second) + "\n";
        same("bad2", t2);
        assertEquals(later + 1, assertThrows(InputException.class, () -> parse("bad2", t2, 0)).line());

        // no COMMIT at the end, and a rule for an undeclared chain, each after thousands of good lines
        same("nocommit", good.substring(0, good.lastIndexOf("COMMIT")));
        same("undeclared", good.replace("-A LATE -j DROP", "-A NOWHERE -j DROP"));
        same("quote", good.replace("-A LATE -j DROP", "-A LATE -m comment --comment \"open -j DROP"));
    }

    @Test
    void aV6DumpReadsItsFamilyTheSameWay() {
        StringBuilder sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n");
        for (int i = 0; i < 3000; i++) {
            sb.append("-A INPUT -s fd00::").append(Integer.toHexString(i + 1)).append("/128 -j DROP\n");
        }
        sb.append("COMMIT\n");
        assertEquals(Family.V6, parse("ip6tables-save.txt", sb.toString(), 0).family());
        same("ip6tables-save.txt", sb.toString());
    }
}
