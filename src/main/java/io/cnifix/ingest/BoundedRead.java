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
            return stream(p.toString(), in);
        }
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
        if (b.length > MAX_BYTES) {
            throw new InputException(name, 0, "larger than " + (MAX_BYTES >> 20) + " MiB, the most cnifix reads from one input");
        }
        if (ascii(b)) {
            // Plain ASCII is valid UTF-8 as it is: no decoder pass through a char buffer twice the text's size (a
            // netavark host's 13 MB nft dump, a big host's 9 MB iptables-save).
            return new InputText(name, new String(b, StandardCharsets.US_ASCII));
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
