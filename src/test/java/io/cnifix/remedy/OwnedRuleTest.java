package io.cnifix.remedy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnedRuleTest {
    @Test
    void fittingCutsBetweenCodePointsByUtf8Bytes() {
        String emoji = "\uD83D\uDE00";
        for (int room = 0; room < 30; room++) {
            String f = OwnedRule.fit("a" + emoji.repeat(10) + "é", room);
            assertTrue(f.getBytes(StandardCharsets.UTF_8).length <= room, room + ": " + f);
            assertTrue(f.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF), "split pair at " + room);
            assertEquals(room == 0 ? 0 : 1 + 2 * ((room - 1) / 4), f.length(), "as many whole emoji as fit at " + room);
        }
        assertEquals("a?b?", OwnedRule.fit("a\u001bb\uD83D", 10), "control characters and a lone surrogate are '?'");
    }
}
