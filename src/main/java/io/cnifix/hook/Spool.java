package io.cnifix.hook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The OCI hook's hand-over: the hook wrapper (scripts/hooks/cnifix-oci-hook, a shell script, so that nothing heavy
 * runs inside {@code podman run}) writes one file per hook call and returns; {@code cnifix watch} (when it runs) or
 * a fully detached {@code cnifix hook STAGE --spooled FILE} acts on it. A file is
 * <pre>
 * cnifix-hook-v1 STAGE PID STARTTIME
 * {the OCI state JSON, as the runtime gave it}
 * </pre>
 * PID and STARTTIME (field 22 of /proc/PID/stat, read by the wrapper while the container runs) are 0 when unknown.
 * Read like the hook's records: a regular file, not through a link, at most {@link #MAX} bytes.
 */
public final class Spool {
    public static final int MAX = (1 << 20) + 256;
    private static final Pattern HEADER = Pattern.compile("cnifix-hook-v1 (poststart|poststop) ([0-9]{1,19}) ([0-9]{1,19})");

    /** One hook call handed over: the stage, the container's PID and start time, the OCI state text. */
    public record Handover(String stage, long pid, long startTime, String state) {
    }

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private Spool() {
    }

    /** The container id in an OCI state, or null when the state has none that looks like one. */
    public static String containerId(String state) {
        try {
            var root = com.google.gson.JsonParser.parseString(state);
            if (root.isJsonObject() && root.getAsJsonObject().get("id") != null && root.getAsJsonObject().get("id").isJsonPrimitive()) {
                String id = root.getAsJsonObject().get("id").getAsString();
                return ID.matcher(id).matches() ? id : null;
            }
        } catch (RuntimeException ignored) {
            // not JSON
        }
        return null;
    }

    public static Handover read(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("cannot read the hand-over " + file + ": not a regular file");
        }
        byte[] b;
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            b = in.readNBytes(MAX + 1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the hand-over " + file + ": " + e.getMessage(), e);
        }
        if (b.length > MAX) {
            throw new IllegalStateException("the hand-over " + file + " is larger than " + MAX + " bytes");
        }
        String text = new String(b, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        var m = HEADER.matcher(nl < 0 ? text.strip() : text.substring(0, nl).strip());
        if (!m.matches()) {
            throw new IllegalStateException("the hand-over " + file + " has no cnifix-hook-v1 header");
        }
        try {
            return new Handover(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), nl < 0 ? "" : text.substring(nl + 1));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the hand-over " + file + " has a bad header: " + e.getMessage());
        }
    }

    /** The finished hand-overs in {@code dir} (the wrapper writes NAME.tmp and renames it to NAME.json), oldest first. */
    public static List<Path> pending(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(out::add);
        } catch (IOException e) {
            return out;
        }
        // names start with the wrapper's nanosecond clock: name order is arrival order
        out.sort(null);
        return out;
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the next pass tries again; a leftover is only read once more and found stale
        }
    }
}
