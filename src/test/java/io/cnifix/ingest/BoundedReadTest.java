package io.cnifix.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Input text as read: ASCII as it is, other UTF-8 decoded, anything else refused with the input's name. */
class BoundedReadTest {
    private static InputText read(byte[] b) throws Exception {
        return BoundedRead.stream("in.json", new ByteArrayInputStream(b));
    }

    @Test
    void asciiIsTakenAsItIs() throws Exception {
        String text = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}]}\n\t\u007f";
        assertEquals(text, read(text.getBytes(StandardCharsets.US_ASCII)).content());
    }

    @Test
    void otherUtf8IsDecodedAndAByteOrderMarkKept() throws Exception {
        String text = "\uFEFF-A INPUT -m comment --comment \"caf\u00e9 \u2713 \uD83D\uDE00\" -j ACCEPT\n";
        assertEquals(text, read(text.getBytes(StandardCharsets.UTF_8)).content());
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedByName() {
        InputException e = assertThrows(InputException.class, () -> read(new byte[] {'a', (byte) 0xc3, '(', 'b'}));
        assertTrue(e.oneLine().startsWith("in.json: not UTF-8 text"), e.oneLine());
    }
}
