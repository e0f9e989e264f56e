package io.cnifix.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedReadTest {
    @TempDir
    Path dir;

    @Test
    void asciiUtf8AndMalformedFilesReadAsTheCheckingDecoderSays() throws Exception {
        Path ascii = dir.resolve("a.txt");
        Files.writeString(ascii, "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n");
        assertEquals("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n", BoundedRead.file(ascii).content());

        Path utf8 = dir.resolve("u.txt");
        String text = "-A INPUT -m comment --comment \"caf\u00e9 \u2713\" -j ACCEPT\n";
        Files.writeString(utf8, text, StandardCharsets.UTF_8);
        assertEquals(text, BoundedRead.file(utf8).content());

        Path latin1 = dir.resolve("l.txt");
        Files.write(latin1, "caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        InputException e = assertThrows(InputException.class, () -> BoundedRead.file(latin1));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
        assertThrows(InputException.class, () -> BoundedRead.stream("-",
                new ByteArrayInputStream("caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1))));
    }

    @Test
    void emptyFileAndStreamReadEmpty() throws Exception {
        Path empty = dir.resolve("e.txt");
        Files.write(empty, new byte[0]);
        assertEquals("", BoundedRead.file(empty).content());
        assertEquals("x", BoundedRead.stream("-", new ByteArrayInputStream(new byte[] {'x'})).content());
    }

    @Test
    void firstLinesDoesNotCarryTheRest() {
        assertEquals(java.util.List.of("a", "", "b"), InputText.firstLines("a\n\nb\nc\nd", 3));
        assertEquals(java.util.List.of("a", ""), InputText.firstLines("a\n", 5));
    }

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
