package io.cnifix.ingest;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OptionOwners' shortcut says "nothing moves" only where the full reading finds nothing to move. */
class OptionOwnersShortcutTest {
    private static final Set<String> CHAINS = Set.of("INPUT", "FORWARD", "CNI-FORWARD", "X");

    private static int check(List<String> lines) {
        int shortcuts = 0;
        for (String line : lines) {
            RuleTokens t = RuleTokens.split(line, "t", 1);
            if (t.size() < 2) {
                continue;
            }
            if (OptionOwners.inPlace(t, 2, CHAINS)) {
                shortcuts++;
                assertNull(OptionOwners.reading(t, 2, CHAINS), line);
            }
        }
        return shortcuts;
    }

    @Test
    void fixtureRulesAndOddSpellings() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("fixtures"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("ip6?tables.*-save\\.txt")).toList()) {
                Files.readAllLines(p).stream().filter(l -> l.startsWith("-A ")).forEach(lines::add);
            }
        }
        int plain = lines.size();
        lines.addAll(List.of(
                "-A X -m multiport -j ACCEPT --dports 22,80",
                "-A X -p tcp --dport 80 -j ACCEPT",
                "-A X -j ACCEPT -p tcp",
                "-A X -j REJECT -m tcp --dport 1 --reject-with tcp-reset",
                "-A X -m tcp -m udp --dport 1 -j ACCEPT",
                "-A X -m comment --comment x --dport 1 -j ACCEPT",
                "-A X -j DNAT --dport 80 --to-destination 1.2.3.4",
                "-A X -m conntrack --ctstate NEW -j CT --notrack --ctstate NEW",
                "-A X ! -m tcp --dport 1 -j ACCEPT",
                "-A X -m mark --mark 1 -j MARK --set-mark 2 --mark 3",
                "-A X -j X --dport 1",
                "-A X -j LOG --log-prefix x -j DROP",
                "-A X -m set --match-set s src --reject-with x -j REJECT",
                "-A X -m foo --bar 1 -j ACCEPT",
                "-A X -s 1.2.3.4 !",
                "-A X -m -j ACCEPT",
                "-A X -m tcp ! --dport 1 ! --sport 2 -j ACCEPT"));
        int shortcuts = check(lines);
        // the shortcut must carry the common case, or it saves nothing
        assertTrue(shortcuts > plain / 2, shortcuts + " of " + plain);
    }
}
