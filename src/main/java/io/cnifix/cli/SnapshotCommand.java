package io.cnifix.cli;

import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.FirewalldState;
import io.cnifix.system.LiveContainers;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.StateFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Write the host's state (live, or what the state options give) into a snapshot directory that every"
                + " command takes with --snapshot DIR (layout: README, Snapshots).",
                "The directory is made 0700 and the files 0600; the containers' environment values and other secret-shaped"
                        + " values are replaced by " + Redaction.MARK + " unless --no-redact."})
final class SnapshotCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    OutputOptions output;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The snapshot directory to write (created if missing;"
            + " may be left out with --tar).")
    Path dir;

    @Option(names = "--tar", paramLabel = "FILE", description = "Also write the snapshot as one compressed file (tar.gz) to attach"
            + " to a ticket; every command reads it with --snapshot FILE.")
    Path tar;

    @Option(names = "--no-redact", description = "Keep the containers' environment values and other secret-shaped values"
            + " (by default they are replaced by " + Redaction.MARK + ").")
    boolean noRedact;

    @Option(names = "--force", description = "Replace the snapshot files of a non-empty DIR (other files in it are left alone).")
    boolean force;

    SnapshotCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        output.requireFormat("text", "json");
        boolean temporary = dir == null;
        if (temporary) {
            if (tar == null) {
                throw new UsageException("give the snapshot directory DIR, or --tar FILE for one compressed file");
            }
            dir = SnapshotArchive.temporaryDirectory();
        }
        try {
            return write(temporary);
        } finally {
            if (temporary) {
                SnapshotArchive.delete(dir);
            }
        }
    }

    private int write(boolean temporary) {
        if (!temporary) {
            checkTarget();
        }
        StateOptions.Gathered g = state.gather(ctx);
        int[] redacted = {0};
        StateSources s = noRedact ? g.sources() : redact(g.sources(), redacted);
        // What is written must be readable back: parse it all before touching the directory.
        HostState host = HostStateBuilder.build(s);
        Map<String, InputText> files = layout(s, g.live());
        try {
            prepare();
            for (Map.Entry<String, InputText> e : files.entrySet()) {
                write(dir.resolve(e.getKey()), e.getValue().content());
            }
            Map<String, String> firewalld = state.readsLiveRules() ? FirewalldState.capture(ctx.runner()) : Map.of();
            for (Map.Entry<String, String> e : firewalld.entrySet()) {
                Files.createDirectories(dir.resolve(FirewalldState.DIR));
                write(dir.resolve(FirewalldState.DIR).resolve(e.getKey()), e.getValue());
            }
            Map<String, Object> manifest = manifest(s, g.live(), files);
            manifest.put("firewalld", firewalld.isEmpty() ? null : firewalld.get("version.txt") == null ? "running"
                    : firewalld.get("version.txt").strip());
            manifest.put("redacted", !noRedact);
            write(dir.resolve(StateFiles.MANIFEST), Json.write(manifest) + "\n");
        } catch (IOException e) {
            throw new EnvironmentException("cannot write the snapshot in " + dir + ": " + e.getMessage(), e);
        }
        if (tar != null) {
            SnapshotArchive.pack(ctx.runner(), dir, tar);
        }
        if (output.json()) {
            ctx.out().println(Json.write(Json.doc("snapshot", temporary ? null : dir.toString(), "files", new ArrayList<>(files.keySet()),
                    "containers", host.containers().size(), "mappings", host.mappings().size(), "notes", s.notes(),
                    "tar", tar == null ? null : tar.toString(), "redacted", redacted[0])));
        } else {
            ctx.out().println("snapshot written to " + (temporary ? tar : dir + (tar == null ? "" : " and " + tar)) + ": "
                    + Words.count(files.size(), "file") + ", " + Words.count(host.containers().size(), "container") + ", "
                    + Words.count(host.mappings().size(), "published port") + "; "
                    + (noRedact ? "nothing redacted (--no-redact)" : Redaction.describe(redacted[0])));
            if (!output.quiet) {
                ctx.out().println();
                ctx.out().println("To judge it (here or anywhere): cnifix diff --snapshot " + (temporary ? tar : dir));
            }
            if (!output.quiet) {
                for (String n : s.notes()) {
                    ctx.err().println("note: " + n);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** Every port and network text with its secrets replaced (Redaction); counts the values replaced. */
    private static StateSources redact(StateSources s, int[] count) {
        // container and network JSON is where inspect puts environments and labels; rules and addresses stay as read
        return SourceTexts.map(s, (kind, t) -> {
            if (!kind.equals("ports") && !kind.equals("networks")) {
                return t;
            }
            Redaction.Result r = Redaction.of(t);
            count[0] += r.replaced();
            return r.text();
        });
    }

    private void checkTarget() {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException(dir + " exists and is not a directory");
        }
        if (Files.isDirectory(dir) && !force) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new UsageException(dir + " is not empty: give an empty or new directory, or --force to replace its snapshot files");
                }
            } catch (IOException e) {
                throw new EnvironmentException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /** Creates DIR (0700) or, with --force, removes the snapshot files and directories an earlier run left. */
    private void prepare() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return;
        }
        for (String f : List.of(StateFiles.RULES_V4, StateFiles.RULES_V6, StateFiles.ADDRESSES, StateFiles.ROUTES_V4,
                StateFiles.ROUTES_V6, StateFiles.NFT, StateFiles.MANIFEST, StateFiles.PORTS_DIR, StateFiles.NETWORKS_DIR,
                StateFiles.OTHER_BACK_END.get(0), StateFiles.OTHER_BACK_END.get(1), StateFiles.OTHER_BACK_END.get(2),
                StateFiles.OTHER_BACK_END.get(3), FirewalldState.DIR, StateFiles.RP_FILTER)) {
            Path p = dir.resolve(f);
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(x);
                    }
                }
            } else {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void write(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(p + " exists twice in the snapshot layout", e);
        }
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    /** Every text and its path in the snapshot (README: Snapshots). */
    private static Map<String, InputText> layout(StateSources s, LiveContainers.Capture live) {
        Map<String, InputText> out = new LinkedHashMap<>();
        for (InputText t : s.rules()) {
            if (io.cnifix.ingest.IpsetSaveParser.looksLikeIpset(t)) {
                put(out, StateFiles.IPSETS, t, "a second ipset save output");
                continue;
            }
            if (io.cnifix.ingest.RpFilterText.looksLike(t)) {
                put(out, StateFiles.RP_FILTER, t, "a second rp_filter sysctl text");
                continue;
            }
            Family f = IptablesSaveParser.parse(t).family();
            put(out, f == Family.V4 ? StateFiles.RULES_V4 : StateFiles.RULES_V6, t, "a second " + f + " rules dump");
        }
        for (InputText t : s.addresses()) {
            put(out, StateFiles.ADDRESSES, t, "a second ip -j address output");
        }
        for (InputText t : s.routes()) {
            boolean v6 = t.name().equals("ip -6 -j route") || (!t.name().equals("ip -j route") && looksV6(t.content()));
            if (out.containsKey(v6 ? StateFiles.ROUTES_V6 : StateFiles.ROUTES_V4)) {
                v6 = !v6;
            }
            put(out, v6 ? StateFiles.ROUTES_V6 : StateFiles.ROUTES_V4, t, "more than two route outputs");
        }
        for (InputText t : s.nft()) {
            put(out, StateFiles.NFT, t, "a second nft ruleset");
        }
        for (InputText t : s.otherBackEnd()) {
            String base = t.name().substring(t.name().lastIndexOf('/') + 1).replaceFirst("\\.txt$", "") + ".txt";
            put(out, base, t, "a second " + base);
        }
        Map<InputText, String> livePaths = new java.util.IdentityHashMap<>();
        if (live != null) {
            for (LiveContainers.Item i : live.ports()) {
                livePaths.put(i.text(), i.path());
            }
            for (LiveContainers.Item i : live.networks()) {
                livePaths.put(i.text(), i.path());
            }
        }
        Set<String> used = new HashSet<>();
        for (InputText t : s.ports()) {
            out.put(pathOf(livePaths, t, StateFiles.PORTS_DIR, used), t);
        }
        for (InputText t : s.networks()) {
            out.put(pathOf(livePaths, t, StateFiles.NETWORKS_DIR, used), t);
        }
        return out;
    }

    private static void put(Map<String, InputText> out, String path, InputText t, String what) {
        if (out.containsKey(path)) {
            throw new UsageException("cannot write " + what + " into one snapshot (" + out.get(path).name() + ", " + t.name() + ")");
        }
        out.put(path, t);
    }

    /** A live text keeps its discovery path; a file given on the command line keeps its name (made unique). */
    private static String pathOf(Map<InputText, String> livePaths, InputText t, String dirName, Set<String> used) {
        String p = livePaths.get(t);
        if (p == null) {
            String base = t.name().equals("-") ? "stdin.json" : Path.of(t.name()).getFileName().toString();
            p = dirName + "/" + base;
            for (int i = 2; used.contains(p); i++) {
                p = dirName + "/" + i + "-" + base;
            }
        }
        used.add(p);
        return p;
    }

    private static boolean looksV6(String routesJson) {
        return routesJson.matches("(?s).*\"(dst|gateway|prefsrc)\"\\s*:\\s*\"[0-9a-fA-F:]*:[0-9a-fA-F:/]*\".*");
    }

    private Map<String, Object> manifest(StateSources s, LiveContainers.Capture live, Map<String, InputText> files) {
        Map<String, Object> tools = new LinkedHashMap<>();
        tools.put("cnifix", new Main.Version().getVersion()[0].replace("cnifix ", ""));
        tools.put("podman", live == null ? null : live.versions().get("podman"));
        tools.put("podman-network-backend", live == null ? null : live.versions().get("podman-network-backend"));
        tools.put("docker", live == null ? null : live.versions().get("docker"));
        tools.put("netavark", netavark());
        tools.put("netavark-firewall-driver", netavarkDriver(s));
        tools.put("iptables", version(List.of("iptables", "--version"), "iptables v"));
        tools.put("nftables", version(List.of("nft", "--version"), "nftables v"));
        tools.put("kernel", System.getProperty("os.version"));
        List<Object> read = new ArrayList<>();
        for (Map.Entry<String, InputText> e : files.entrySet()) {
            read.add(Json.obj("file", e.getKey(), "from", e.getValue().name()));
        }
        return Json.doc("host", hostName(), "time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                "scenario", live != null ? "live host, written by cnifix snapshot" : "written by cnifix snapshot from the given files",
                "tools", tools, "sources", read, "notes", s.notes());
    }

    /** netavark is not on PATH: Podman runs it from its helper directory (Debian /usr/lib, RHEL /usr/libexec). */
    private String netavark() {
        for (String p : List.of("/usr/libexec/podman/netavark", "/usr/lib/podman/netavark")) {
            if (Files.isExecutable(Path.of(p))) {
                return version(List.of(p, "--version"), "netavark ");
            }
        }
        return null;
    }

    /**
     * Which firewall driver netavark's rules show: its own nftables table, or its iptables chains. Read from the rules
     * themselves, since {@code podman info} names the netavark package, not the driver it was built or configured with.
     */
    private static String netavarkDriver(StateSources s) {
        boolean nft = s.nft().stream().anyMatch(t -> t.content().contains("\"name\": \"netavark\"")
                || t.content().contains("\"name\":\"netavark\""));
        boolean ipt = s.rules().stream().anyMatch(t -> t.content().contains(":NETAVARK_FORWARD"));
        return nft ? "nftables" : ipt ? "iptables" : null;
    }

    private String version(List<String> cmd, String prefix) {
        ProcessRunner r = ctx.runner();
        if (!r.exists(cmd.get(0))) {
            return null;
        }
        try {
            ProcessRunner.Result x = r.run(cmd, null, Duration.ofSeconds(10));
            String v = x.stdout().strip();
            return !x.ok() || v.isEmpty() ? null : v.startsWith(prefix) ? v.substring(prefix.length()) : v;
        } catch (EnvironmentException e) {
            return null;
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException ex) {
                return null;
            }
        }
    }
}
