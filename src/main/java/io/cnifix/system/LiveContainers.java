package io.cnifix.system;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.NetworksReader;
import io.cnifix.ingest.json.PortsReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the running containers' published ports and their networks on the live host, through the process runner
 * only: {@code podman ps --format json}, {@code podman inspect}, {@code podman network inspect}, the CNI configs
 * and result cache or the netavark network files (by the backend {@code podman info} names), and
 * {@code docker ps}, {@code docker inspect}, {@code docker network inspect} when a Docker daemon answers.
 * An engine that is not installed, not running or failing is skipped with a note, never an error; so is an
 * output or file that does not parse. Every text comes with the path it gets in a snapshot directory, and the
 * lists are in that path order, so a live run and a run on its snapshot read the same texts in the same order.
 */
public final class LiveContainers {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);
    /** An option value that turns one engine's discovery off. */
    public static final String NONE = "none";

    /** Which programs to ask: null means the default ("podman", "docker" on PATH; the CLI's own daemon address). */
    public record Options(String podman, String docker, String dockerHost) {
    }

    /** One text read from the host and where it goes in a snapshot ("ports/podman-inspect.json"). */
    public record Item(String path, InputText text) {
    }

    /** What discovery found: ports and networks texts (in snapshot path order), notes, and engine versions. */
    public record Capture(List<Item> ports, List<Item> networks, List<String> notes, Map<String, String> versions) {
        public Capture {
            ports = List.copyOf(ports);
            networks = List.copyOf(networks);
            notes = List.copyOf(notes);
            versions = Map.copyOf(versions);
        }

        public List<InputText> portTexts() {
            return ports.stream().map(Item::text).toList();
        }

        public List<InputText> networkTexts() {
            return networks.stream().map(Item::text).toList();
        }
    }

    private final ProcessRunner runner;
    private final Path cniConfigDir;
    private final Path cniResultsDir;
    private final Path netavarkDir;

    public LiveContainers(ProcessRunner runner) {
        this(runner, Path.of("/etc/cni/net.d"), Path.of("/var/lib/cni/results"), Path.of("/etc/containers/networks"));
    }

    /** With other directories than the system's (tests). */
    public LiveContainers(ProcessRunner runner, Path cniConfigDir, Path cniResultsDir, Path netavarkDir) {
        this.runner = runner;
        this.cniConfigDir = cniConfigDir;
        this.cniResultsDir = cniResultsDir;
        this.netavarkDir = netavarkDir;
    }

    public Capture discover(Options o) {
        List<Item> ports = new ArrayList<>();
        List<Item> networks = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, String> versions = new LinkedHashMap<>();
        podman(o.podman(), ports, networks, notes, versions);
        docker(o.docker(), o.dockerHost(), ports, networks, notes, versions);
        ports.sort(Comparator.comparing(Item::path));
        networks.sort(Comparator.comparing(Item::path));
        return new Capture(ports, networks, notes, versions);
    }

    // ------------------------------------------------------------------ podman

    private void podman(String option, List<Item> ports, List<Item> networks, List<String> notes, Map<String, String> versions) {
        if (NONE.equals(option)) {
            notes.add("Podman not read (--podman none)");
            return;
        }
        String exe = option == null || option.isEmpty() ? "podman" : option;
        if (!runner.exists(exe)) {
            notes.add(option == null ? "podman is not installed: no Podman containers read"
                    : "--podman " + exe + ": not an executable; no Podman containers read");
            return;
        }
        ProcessRunner.Result info = run(List.of(exe, "info", "--format", "json"), PROBE_TIMEOUT, notes);
        if (info == null) {
            return;
        }
        if (!info.ok()) {
            notes.add("podman does not answer (" + info.describe() + "): no Podman containers read");
            return;
        }
        String backend = "cni";
        try {
            JsonObject root = JsonParser.parseString(info.stdout()).getAsJsonObject();
            JsonObject host = root.has("host") && root.get("host").isJsonObject() ? root.getAsJsonObject("host") : null;
            if (host != null && host.has("networkBackend") && host.get("networkBackend").isJsonPrimitive()) {
                backend = host.get("networkBackend").getAsString();
            }
            JsonObject version = root.has("version") && root.get("version").isJsonObject() ? root.getAsJsonObject("version") : null;
            if (version != null && version.has("Version") && version.get("Version").isJsonPrimitive()) {
                versions.put("podman", version.get("Version").getAsString());
            }
            if (host != null && host.has("security") && host.get("security").isJsonObject()) {
                JsonElement rl = host.getAsJsonObject("security").get("rootless");
                if (rl != null && rl.isJsonPrimitive() && rl.getAsBoolean()) {
                    notes.add("podman runs rootless here: its published ports go through user-space listeners (rootlessport,"
                            + " pasta), judged against INPUT, not FORWARD");
                }
            }
        } catch (RuntimeException e) {
            notes.add("podman info printed no JSON cnifix can read; assuming the CNI network backend");
        }
        versions.put("podman-network-backend", backend);

        ProcessRunner.Result ps = run(List.of(exe, "ps", "--format", "json"), TIMEOUT, notes);
        if (ps == null || !ps.ok()) {
            if (ps != null) {
                notes.add(ps.describe() + ": no Podman containers read");
            }
            return;
        }
        List<String> ids = ids(ps.stdout(), "Id");
        if (ids == null) {
            notes.add("podman ps --format json printed no JSON array: no Podman containers read");
            return;
        }
        addPorts(ports, notes, "ports/podman-ps.json", new InputText("podman ps --format json", emptyIfNull(ps.stdout())));
        if (!ids.isEmpty()) {
            String inspect = inspect(exe, List.of(), ids, notes, "podman");
            if (inspect != null) {
                addPorts(ports, notes, "ports/podman-inspect.json", new InputText("podman inspect", inspect));
            }
        }
        ProcessRunner.Result ls = run(List.of(exe, "network", "ls", "--format", "{{.Name}}"), TIMEOUT, notes);
        if (ls != null && ls.ok()) {
            List<String> names = lines(ls.stdout());
            if (!names.isEmpty()) {
                List<String> cmd = new ArrayList<>(List.of(exe, "network", "inspect"));
                cmd.addAll(names);
                ProcessRunner.Result ni = run(cmd, TIMEOUT, notes);
                if (ni != null && ni.ok()) {
                    addNetworks(networks, notes, "networks/podman-network-inspect.json", new InputText("podman network inspect", ni.stdout()));
                } else if (ni != null) {
                    notes.add(ni.describe() + ": Podman networks taken from their files only");
                }
            }
        } else if (ls != null) {
            notes.add(ls.describe() + ": Podman networks taken from their files only");
        }
        if (backend.equals("netavark")) {
            for (Path f : files(netavarkDir, ".json")) {
                addNetworks(networks, notes, "networks/netavark/" + f.getFileName(), readFile(f, notes));
            }
        } else {
            for (Path f : files(cniConfigDir, ".conflist", ".conf", ".json")) {
                addNetworks(networks, notes, "networks/cni/" + f.getFileName(), readFile(f, notes));
            }
            Set<String> running = new LinkedHashSet<>(ids);
            int stale = 0;
            for (Path f : files(cniResultsDir)) {
                InputText t = readFile(f, notes);
                if (t == null) {
                    continue;
                }
                String id = cacheContainer(t.content());
                if (id != null && !running.contains(id)) {
                    stale++; // a container that is not running (or not Podman's): its ports are not published
                    continue;
                }
                addPorts(ports, notes, "ports/cni-results/" + f.getFileName(), t);
            }
            if (stale > 0) {
                notes.add(stale + " CNI result cache file(s) in " + cniResultsDir + " belong to no running Podman container: not read");
            }
        }
    }

    private static String cacheContainer(String content) {
        try {
            JsonObject o = JsonParser.parseString(content).getAsJsonObject();
            return o.has("containerId") && o.get("containerId").isJsonPrimitive() ? o.get("containerId").getAsString() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ docker

    private void docker(String option, String dockerHost, List<Item> ports, List<Item> networks, List<String> notes,
                        Map<String, String> versions) {
        if (NONE.equals(option)) {
            notes.add("Docker not read (--docker none)");
            return;
        }
        String exe = option == null || option.isEmpty() ? "docker" : option;
        if (!runner.exists(exe)) {
            notes.add(option == null ? "docker is not installed: no Docker containers read"
                    : "--docker " + exe + ": not an executable; no Docker containers read");
            return;
        }
        List<String> base = new ArrayList<>(List.of(exe));
        if (dockerHost != null && !dockerHost.isEmpty()) {
            base.add("-H");
            base.add(dockerHost);
        }
        ProcessRunner.Result v = run(plus(base, "version", "--format", "{{.Server.Version}}"), PROBE_TIMEOUT, notes);
        if (v == null) {
            return;
        }
        if (!v.ok() || v.stdout().isBlank()) {
            notes.add("no Docker daemon answers (" + v.describe() + "): no Docker containers read");
            return;
        }
        versions.put("docker", v.stdout().strip());
        ProcessRunner.Result ps = run(plus(base, "ps", "-q", "--no-trunc"), TIMEOUT, notes);
        if (ps == null || !ps.ok()) {
            if (ps != null) {
                notes.add(ps.describe() + ": no Docker containers read");
            }
            return;
        }
        List<String> ids = lines(ps.stdout());
        if (!ids.isEmpty()) {
            String inspect = inspect(base.get(0), base.subList(1, base.size()), ids, notes, "docker");
            if (inspect != null) {
                addPorts(ports, notes, "ports/docker-inspect.json", new InputText("docker inspect", inspect));
            }
        }
        ProcessRunner.Result ls = run(plus(base, "network", "ls", "-q", "--no-trunc"), TIMEOUT, notes);
        if (ls != null && ls.ok() && !lines(ls.stdout()).isEmpty()) {
            List<String> cmd = plus(base, "network", "inspect");
            cmd.addAll(lines(ls.stdout()));
            ProcessRunner.Result ni = run(cmd, TIMEOUT, notes);
            if (ni != null && ni.ok()) {
                addNetworks(networks, notes, "networks/docker-network-inspect.json", new InputText("docker network inspect", ni.stdout()));
            } else if (ni != null) {
                notes.add(ni.describe() + ": Docker networks not read");
            }
        } else if (ls != null && !ls.ok()) {
            notes.add(ls.describe() + ": Docker networks not read");
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * {@code inspect} of the given ids; a container that went away between ps and inspect makes inspect fail, so
     * the survivors are asked again one by one.
     */
    private String inspect(String exe, List<String> globals, List<String> ids, List<String> notes, String engine) {
        List<String> cmd = new ArrayList<>(List.of(exe));
        cmd.addAll(globals);
        cmd.add("inspect");
        cmd.addAll(ids);
        ProcessRunner.Result r = run(cmd, TIMEOUT, notes);
        if (r == null) {
            return null;
        }
        if (r.ok()) {
            return r.stdout();
        }
        StringBuilder merged = new StringBuilder("[");
        int kept = 0;
        for (String id : ids) {
            List<String> one = new ArrayList<>(cmd.subList(0, cmd.size() - ids.size()));
            one.add(id);
            ProcessRunner.Result x = run(one, TIMEOUT, notes);
            if (x == null || !x.ok()) {
                notes.add(engine + " container " + shortId(id) + " could not be inspected ("
                        + (x == null ? "timed out" : x.describe()) + "): its ports are not read");
                continue;
            }
            try {
                for (JsonElement e : JsonParser.parseString(x.stdout()).getAsJsonArray()) {
                    merged.append(kept++ == 0 ? "\n" : ",\n").append(e);
                }
            } catch (RuntimeException e) {
                notes.add(engine + " inspect " + shortId(id) + " printed no JSON array: its ports are not read");
            }
        }
        return kept == 0 ? null : merged.append("\n]\n").toString();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** Runs a command; a timeout or a program that cannot start becomes a note and null. */
    private ProcessRunner.Result run(List<String> cmd, Duration timeout, List<String> notes) {
        try {
            return runner.run(cmd, null, timeout);
        } catch (EnvironmentException e) {
            notes.add(e.getMessage() + ": skipped");
            return null;
        }
    }

    private static List<String> plus(List<String> base, String... more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    private static List<String> lines(String s) {
        List<String> out = new ArrayList<>();
        for (String l : s.split("\n")) {
            if (!l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }

    private static String emptyIfNull(String json) {
        // Some podman versions print "null" for no containers.
        return json.strip().equals("null") ? "[]\n" : json;
    }

    /** The {@code key} of every element of a JSON array (null when the text is not an array). */
    static List<String> ids(String json, String key) {
        try {
            JsonElement root = JsonParser.parseString(json.isBlank() ? "[]" : json);
            if (root.isJsonNull()) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (JsonElement e : root.getAsJsonArray()) {
                JsonElement id = e.isJsonObject() ? e.getAsJsonObject().get(key) : null;
                if (id != null && id.isJsonPrimitive()) {
                    out.add(id.getAsString());
                }
            }
            return out;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static List<Path> files(Path dir, String... endings) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> endings.length == 0 || Stream.of(endings).anyMatch(e -> p.getFileName().toString().endsWith(e)))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static InputText readFile(Path f, List<String> notes) {
        try {
            return io.cnifix.ingest.BoundedRead.file(f);
        } catch (io.cnifix.ingest.InputException e) {
            notes.add("skipped " + e.oneLine());
            return null;
        } catch (IOException e) {
            notes.add("cannot read " + f + " (" + e.getMessage() + "): skipped");
            return null;
        }
    }

    private static void addPorts(List<Item> into, List<String> notes, String path, InputText t) {
        if (t == null) {
            return;
        }
        try {
            PortsReader.read(t);
            into.add(new Item(path, t));
        } catch (InputException e) {
            notes.add("skipped " + e.oneLine());
        }
    }

    private static void addNetworks(List<Item> into, List<String> notes, String path, InputText t) {
        if (t == null) {
            return;
        }
        try {
            NetworksReader.read(t);
            into.add(new Item(path, t));
        } catch (InputException e) {
            notes.add("skipped " + e.oneLine());
        }
    }
}
