package io.cnifix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A place in a text and a text written later are the same value when their characters are. */
class TextSpanTest {

    @Test
    void aSpanIsItsCharacters() {
        TextSpan inLine = new TextSpan("-A FORWARD -j DROP\n-A X", 0, 18);
        assertEquals("-A FORWARD -j DROP", inLine.toString());
        assertEquals(TextSpan.of("-A FORWARD -j DROP"), inLine);
        assertEquals(TextSpan.of("-A FORWARD -j DROP").hashCode(), inLine.hashCode());
        assertNotEquals(TextSpan.of("-A FORWARD -j DRO"), inLine);
        assertThrows(IllegalArgumentException.class, () -> new TextSpan("abc", 2, 4));
    }

    @Test
    void aTextWrittenLaterIsWrittenWhenFirstAskedForAndOnlyThen() {
        AtomicInteger written = new AtomicInteger();
        TextSpan later = TextSpan.later(() -> {
            written.incrementAndGet();
            return "tcp dport 8080 jump nv_2f";
        });
        Rule standIn = new Rule("inet netavark", "NETAVARK-HOSTPORT-DNAT", 1, "nft", 7, later, java.util.List.of(),
                new Target.None());
        assertEquals(0, written.get());
        assertEquals("NETAVARK-HOSTPORT-DNAT", standIn.chain());
        assertEquals("tcp dport 8080 jump nv_2f", standIn.text());
        assertEquals(25, later.length());
        assertEquals(TextSpan.of("tcp dport 8080 jump nv_2f"), later);
        assertEquals(later, new TextSpan("x tcp dport 8080 jump nv_2f", 2, 27));
        assertEquals(TextSpan.of("tcp dport 8080 jump nv_2f").hashCode(), later.hashCode());
        assertEquals(1, written.get());
    }
}
