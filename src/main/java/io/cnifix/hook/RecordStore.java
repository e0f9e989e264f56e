package io.cnifix.hook;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The hook's state directory: one record ID.json per container whose published ports poststart opened, read by
 * poststop to find cnifix's rules for it and to see which addresses and ports other containers still use.
 * <p>
 * The directory is root's, but a record is still read defensively: only regular files (not followed through a
 * symlink: a link to /dev/zero would exhaust memory; not a FIFO: opening one blocks, and poststop runs under
 * Podman's lock) of at most {@link #MAX_RECORD} bytes.
 */
public final class RecordStore {
    public static final int MAX_RECORD = 1 << 20;

    /** What poststart saw of a container, and what proves it is still alive (PID and that process's start time). */
    public record ContainerRecord(String id, String name, long pid, long startTime, List<PortMapping> mappings) {
    }

    private final Path dir;
    private final Consumer<String> warn;

    /** {@code warn} gets every record skipped or deleted, so that nothing the store decides goes unlogged. */
    public RecordStore(Path dir, Consumer<String> warn) {
        this.dir = dir;
        this.warn = warn;
    }

    public Path dir() {
        return dir;
    }

    public Path pathOf(String id) {
        return dir.resolve(id + ".json");
    }

    /** True when there is something at ID.json (regular or not: poststop then reads it and says why it cannot). */
    public boolean has(String id) {
        return Files.exists(pathOf(id), LinkOption.NOFOLLOW_LINKS);
    }

    /** The record of container {@code id}; throws when it is missing, not a regular file, too large or malformed. */
    public ContainerRecord read(String id) {
        return parse(pathOf(id));
    }

    /**
     * The records of the other containers that are still alive. A record whose PID is gone, or now belongs to a
     * process with another start time, is stale (its poststop never ran: a crash, a reboot without tmpfs): it is
     * deleted and logged, so that it neither keeps a new container's rule alive nor piles up.
     */
    public List<ContainerRecord> othersAlive(String id, ProcStat proc) {
        List<ContainerRecord> out = new ArrayList<>();
        Path mine = pathOf(id);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                if (p.equals(mine)) {
                    continue;
                }
                ContainerRecord r;
                try {
                    r = parse(p);
                } catch (RuntimeException e) {
                    warn.accept("poststop: skipping unreadable record " + p + ": " + e.getMessage());
                    continue;
                }
                if (!proc.alive(r.pid(), r.startTime())) {
                    warn.accept("poststop: deleting the stale record " + p + " of " + r.name() + ": its process " + r.pid()
                            + (r.startTime() > 0 ? " (started at " + r.startTime() + ")" : "") + " is gone");
                    delete(p);
                    continue;
                }
                out.add(r);
            }
        } catch (IOException e) {
            warn.accept("poststop: cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** Writes the record atomically (a temporary file, then a rename), so a reader never sees half of it. */
    public void write(ContainerRecord rec) throws IOException {
        JsonArray ms = new JsonArray();
        for (PortMapping m : rec.mappings()) {
            JsonObject o = new JsonObject();
            o.addProperty("protocol", m.protocol());
            o.addProperty("hostPort", m.hostPort());
            o.addProperty("containerIp", m.containerIp().toString());
            o.addProperty("containerPort", m.containerPort());
            ms.add(o);
        }
        JsonObject o = new JsonObject();
        o.addProperty("id", rec.id());
        o.addProperty("name", rec.name());
        o.addProperty("pid", rec.pid());
        o.addProperty("startTime", rec.startTime());
        o.add("mappings", ms);
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + rec.id() + ".tmp");
        Files.writeString(tmp, o + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, pathOf(rec.id()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public void delete(String id) {
        delete(pathOf(id));
    }

    private void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            warn.accept("hook: cannot remove " + p + ": " + e.getMessage());
        }
    }

    /** Reads one record, refusing anything but a regular file of at most {@link #MAX_RECORD} bytes. */
    public static ContainerRecord parse(Path p) {
        // Checked before opening, without following links: opening a FIFO would block until a writer comes.
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("cannot read the record " + p + ": not a regular file");
        }
        byte[] b;
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            b = in.readNBytes(MAX_RECORD + 1);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the record " + p + ": " + e.getMessage(), e);
        }
        if (b.length > MAX_RECORD) {
            throw new IllegalStateException("cannot read the record " + p + ": larger than " + MAX_RECORD + " bytes");
        }
        try {
            JsonObject o = JsonParser.parseString(new String(b, StandardCharsets.UTF_8)).getAsJsonObject();
            String id = o.get("id").getAsString();
            String name = o.has("name") ? o.get("name").getAsString() : id.length() > 12 ? id.substring(0, 12) : id;
            // Records written before PIDs were recorded have neither field: 0 means "not known", never stale.
            long pid = o.has("pid") ? o.get("pid").getAsLong() : 0;
            long start = o.has("startTime") ? o.get("startTime").getAsLong() : 0;
            List<PortMapping> ms = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("mappings")) {
                JsonObject m = e.getAsJsonObject();
                ms.add(new PortMapping(id, name, Engine.PODMAN, null, m.get("protocol").getAsString(), null,
                        m.get("hostPort").getAsInt(), IpAddress.parse(m.get("containerIp").getAsString()),
                        m.get("containerPort").getAsInt(), p.toString()));
            }
            return new ContainerRecord(id, name, pid, start, ms);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read the record " + p + ": " + e.getMessage(), e);
        }
    }
}
