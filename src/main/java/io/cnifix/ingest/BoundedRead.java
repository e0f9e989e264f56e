package io.cnifix.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every input cnifix reads from a file or a stream goes through here: at most {@link #MAX_BYTES} bytes are ever
 * held, so a huge (or sparse, or endless) input is a one-line error naming it, never an OutOfMemoryError.
 * Reading stops after the limit plus one byte, so a 2 GiB file costs no more than a file just over the limit.
 */
public final class BoundedRead {
    /** Far above any real ruleset, port list or nft dump (10,000 rules save to about 1 MiB). */
    public static final int MAX_BYTES = 64 << 20;

    private BoundedRead() {
    }

    /** The file as UTF-8 text, or an {@link InputException} naming it when it is too large, not UTF-8 or unreadable. */
    public static InputText file(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            long size = Files.isRegularFile(p) ? Files.size(p) : 0;
            if (size <= 0 || size > MAX_BYTES) {
                return stream(p.toString(), in);
            }
            // A regular file reads into one array of its size; readNBytes alone gathers chunks and copies them again.
            byte[] b = new byte[(int) size];
            int n = readChunked(in, b);
            int next = n < b.length ? -1 : in.read();
            if (n < b.length || next >= 0) {
                // it shrank or grew while read: the general path, from what was read so far
                byte[] rest = next < 0 ? new byte[0] : in.readNBytes(MAX_BYTES - n);
                byte[] all = new byte[n + (next < 0 ? 0 : 1 + rest.length)];
                System.arraycopy(b, 0, all, 0, n);
                if (next >= 0) {
                    all[n] = (byte) next;
                    System.arraycopy(rest, 0, all, n + 1, rest.length);
                }
                return text(p.toString(), all);
            }
            return text(p.toString(), b);
        }
    }

    /** Java's file reads copy through a native buffer as large as the request. */
    static final int CHUNK = 64 << 10;

    /**
     * Fills {@code b} as far as {@code in} goes, at most {@link #CHUNK} bytes a call: one read of a whole 9 MB
     * dump had the JDK allocate a native buffer of that size, fresh pages the kernel had to fault in and zero for
     * each read (40 ms of a 100,000-rule parse), where a small one is reused.
     */
    private static int readChunked(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int got = in.read(b, off, Math.min(CHUNK, b.length - off));
            if (got < 0) {
                break;
            }
            off += got;
        }
        return off;
    }

    private static boolean ascii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads {@code in} (a pipe, standard input) to its end, bounded like a file. */
    public static InputText stream(String name, InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BYTES + 1);
        return text(name, b);
    }

    private static InputText text(String name, byte[] b) {
        if (b.length > MAX_BYTES) {
            throw new InputException(name, 0, "larger than " + (MAX_BYTES >> 20) + " MiB, the most cnifix reads from one input");
        }
        if (ascii(b)) {
            // Rule dumps are ASCII: one copy into a Latin-1 string, where the checking decoder's char buffer held
            // the text twice over (a 100,000-rule dump read 47 MB for its 9 MB).
            return new InputText(name, new String(b, StandardCharsets.ISO_8859_1));
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            return new InputText(name, text);
        } catch (CharacterCodingException e) {
            throw new InputException(name, 0, "not UTF-8 text");
        }
    }
}
