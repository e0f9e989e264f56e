package io.cnifix.system;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.ingest.json.NftReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the running host's state through the process runner. */
public final class LiveHost {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final ProcessRunner runner;
    /** /proc/sys/net/ipv4/conf: per network namespace, so it shows the namespace cnifix runs in. */
    private final java.nio.file.Path ipv4Conf;

    public LiveHost(ProcessRunner runner) {
        this(runner, java.nio.file.Path.of("/proc/sys/net/ipv4/conf"));
    }

    public LiveHost(ProcessRunner runner, java.nio.file.Path ipv4Conf) {
        this.runner = runner;
        this.ipv4Conf = ipv4Conf;
    }

    /**
     * Which back end each {@code TOOL-save} is, by the program file it resolves to (alternatives switch the link,
     * an upgrade changes the file's time): a long-running reader (cnifix watch keeps one LiveHost) asks each program
     * once instead of starting two more programs on every read. Per instance, so nothing outlives its runner.
     */
    private final java.util.Map<String, String> backEndOf = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Where the kernel lists this network namespace's legacy xtables tables ({@code ip_tables_names}), or null to
     * always run the legacy save program: a namespace where no legacy table was ever made holds no legacy rule, and
     * the file is empty then, so the program need not run.
     */
    private java.nio.file.Path procNet;

    private boolean sideBySide;

    /** Runs the save programs of {@link #rules()} side by side. */
    public LiveHost sideBySide() {
        this.sideBySide = true;
        return this;
    }

    private <T> Beside<T> read(String name, java.util.function.Supplier<T> what) {
        return sideBySide ? new Beside<>(name, what) : Beside.now(what);
    }

    /** Skips the legacy back end's save program while {@code procNet} lists no legacy table (see the field). */
    public LiveHost skippingEmptyLegacy(java.nio.file.Path procNet) {
        this.procNet = procNet;
        return this;
    }

    /** True when the kernel shows that the legacy back end of {@code tool} has no table in this namespace. */
    private boolean noLegacyTable(String tool) {
        if (procNet == null) {
            return false;
        }
        java.nio.file.Path names = procNet.resolve(tool.equals("ip6tables") ? "ip6_tables_names" : "ip_tables_names");
        try {
            return java.nio.file.Files.readString(names).isBlank();
        } catch (java.io.IOException | RuntimeException e) {
            return false; // not readable: run the program
        }
    }

    /**
     * iptables-save and ip6tables-save output; IPv6 is skipped with a note when ip6tables is missing. The programs are
     * independent reads; with {@link #sideBySide()} they run side by side (the watcher's reaction to a container
     * start waits for them), else one after the other (the OCI hook's detached worker must not take the CPU from the
     * podman run it was handed over from).
     */
    public StateSources rules() {
        List<InputText> rules = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // one at a time: iptables-save first, as it always was (a missing one fails before anything else runs)
        InputText four = sideBySide ? null : capture(List.of("iptables-save"), "iptables-save", true);
        boolean v6 = runner.exists("ip6tables-save");
        Beside<InputText> six = v6 ? read("read-ip6tables", () -> capture(List.of("ip6tables-save"), "ip6tables-save", false)) : null;
        Beside<OtherBackEnd> other4 = read("read-iptables-other", () -> backEnds("iptables"));
        Beside<OtherBackEnd> other6 = read("read-ip6tables-other", () -> backEnds("ip6tables"));
        // -m set rules test ipsets; without ipset installed there are none to test.
        Beside<InputText> sets = runner.exists("ipset") ? read("read-ipset", () -> capture(List.of("ipset", "save"), "ipset save", false)) : null;
        rules.add(sideBySide ? capture(List.of("iptables-save"), "iptables-save", true) : four);
        if (v6) {
            InputText t = six.get();
            if (t != null) {
                rules.add(t);
            }
        } else {
            notes.add("ip6tables-save not found: IPv6 rules not read");
        }
        List<InputText> other = new ArrayList<>();
        for (OtherBackEnd o : List.of(other4.get(), other6.get())) {
            notes.addAll(o.notes());
            other.addAll(o.rules());
        }
        if (sets != null) {
            InputText t = sets.get();
            if (t == null) {
                notes.add("ipset save failed: -m set matches stay unknown");
            } else if (!t.content().isBlank()) {
                rules.add(t);
            }
        }
        InputText rp = rpFilterText(notes);
        if (rp != null) {
            rules.add(rp);
        }
        return new StateSources(rules, List.of(), List.of(), List.of(), List.of(), notes, List.of()).withOtherBackEnd(other);
    }

    /** The rules of the iptables back end that {@code TOOL-save} does not show, and what to say about them. */
    private record OtherBackEnd(List<InputText> rules, List<String> notes) {
    }

    /**
     * The rp_filter sysctl of this network namespace (all, default, every interface), as sysctl prints it; null with a
     * note when /proc does not show it. The kernel applies the larger of "all" and the incoming interface's value.
     */
    public InputText rpFilterText(List<String> notes) {
        if (!java.nio.file.Files.isDirectory(ipv4Conf)) {
            notes.add(ipv4Conf + " not readable: the rp_filter sysctl is not modelled");
            return null;
        }
        Integer all = null;
        Integer defaults = null;
        java.util.Map<String, Integer> ifaces = new java.util.TreeMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> dirs = java.nio.file.Files.list(ipv4Conf)) {
            for (java.nio.file.Path d : dirs.sorted().toList()) {
                java.nio.file.Path f = d.resolve("rp_filter");
                if (!java.nio.file.Files.isReadable(f)) {
                    continue;
                }
                String v = java.nio.file.Files.readString(f).strip();
                if (!v.matches("[0-2]")) {
                    notes.add(f + " holds \"" + v + "\": the rp_filter sysctl is not modelled");
                    return null;
                }
                String name = d.getFileName().toString();
                switch (name) {
                    case "all" -> all = Integer.valueOf(v);
                    case "default" -> defaults = Integer.valueOf(v);
                    default -> ifaces.put(name, Integer.valueOf(v));
                }
            }
        } catch (java.io.IOException e) {
            notes.add("cannot read " + ipv4Conf + ": " + e.getMessage() + ": the rp_filter sysctl is not modelled");
            return null;
        }
        return new InputText("sysctl-rp_filter", io.cnifix.ingest.RpFilterText.format(all, defaults, ifaces));
    }

    /**
     * When the back end {@code iptables-save} does not show (legacy beside nf_tables, or the reverse) holds rules,
     * reads them too: both back ends register on the same hooks at the same priorities, so the kernel runs both and
     * a DROP or REJECT in either decides. Their rules are judged beside the main ones, never ignored.
     */
    private OtherBackEnd backEnds(String tool) {
        List<String> notes = new ArrayList<>();
        List<InputText> other = new ArrayList<>();
        String legacy = tool + "-legacy-save";
        String nft = tool + "-nft-save";
        if (!runner.exists(legacy) || !runner.exists(nft)) {
            return new OtherBackEnd(other, notes);
        }
        String file = programFile(tool + "-save");
        String read = file == null ? null : backEndOf.get(file);
        if (read == null) {
            ProcessRunner.Result v = runner.run(List.of(tool + "-save", "--version"), null, TIMEOUT);
            String text = v.stdout() + v.stderr();
            read = text.contains("legacy") ? "legacy" : text.contains("nf_tables") ? "nf_tables" : "unknown";
            if (file != null && v.ok()) {
                backEndOf.put(file, read);
            }
        }
        String otherSave = read.equals("legacy") ? nft : legacy;
        if (read.equals("unknown") || otherSave.equals(legacy) && noLegacyTable(tool)) {
            return new OtherBackEnd(other, notes);
        }
        ProcessRunner.Result r;
        try {
            r = runner.run(List.of(otherSave), null, TIMEOUT);
        } catch (EnvironmentException e) {
            notes.add(otherSave + ": " + e.getMessage() + ": the other back end's rules were not judged");
            return new OtherBackEnd(other, notes);
        }
        if (!r.ok()) {
            return new OtherBackEnd(other, notes);
        }
        int n = (int) r.stdout().lines().filter(l -> l.startsWith("-A ")).count();
        if (n > 0) {
            other.add(new InputText(otherSave, r.stdout()));
            notes.add("both " + tool + " back ends hold rules: " + tool + "-save is the " + read + " one; " + otherSave
                    + " holds " + n + " more, judged too (the kernel runs both on the same hooks)");
        }
        return new OtherBackEnd(other, notes);
    }


    /**
     * {@code nft -j list ruleset}, when nft is installed: native nftables tables (firewalld, netavark's nftables
     * driver, Docker 29) also filter forwarded packets. Missing or failing nft is a note, never an error.
     */
    public StateSources nft() {
        List<String> notes = new ArrayList<>();
        List<InputText> nft = new ArrayList<>();
        if (!runner.exists("nft")) {
            notes.add("nft not found: native nftables tables (firewalld, Docker 29, netavark's nftables driver) not read");
        } else {
            try {
                ProcessRunner.Result r = runner.run(List.of("nft", "-j", "list", "ruleset"), null, TIMEOUT);
                if (!r.ok()) {
                    notes.add(r.describe() + ": native nftables tables not read");
                } else {
                    InputText t = new InputText("nft -j list ruleset", r.stdout());
                    NftReader.read(t);
                    nft.add(t);
                }
            } catch (EnvironmentException | InputException e) {
                notes.add("nft -j list ruleset: " + e.getMessage() + ": native nftables tables not read");
            }
        }
        return new StateSources(List.of(), List.of(), List.of(), List.of(), List.of(), notes, nft);
    }

    /** {@code ip -j address}, {@code ip -j route} and {@code ip -6 -j route}. */
    public StateSources addressesAndRoutes() {
        List<InputText> addresses = new ArrayList<>();
        List<InputText> routes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!runner.exists("ip")) {
            notes.add("ip (iproute2) not found: host addresses and routes not read");
        } else {
            addresses.add(capture(List.of("ip", "-j", "address"), "ip -j address", true));
            routes.add(capture(List.of("ip", "-j", "route"), "ip -j route", true));
            InputText v6 = capture(List.of("ip", "-6", "-j", "route"), "ip -6 -j route", false);
            if (v6 != null) {
                routes.add(v6);
            }
        }
        return new StateSources(List.of(), List.of(), List.of(), addresses, routes, notes);
    }

    /** The file {@code program} on PATH resolves to, with its modification time; null when not found. */
    private static String programFile(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            java.nio.file.Path p = dir.isEmpty() ? null : java.nio.file.Path.of(dir, program);
            if (p != null && java.nio.file.Files.isExecutable(p)) {
                try {
                    java.nio.file.Path real = p.toRealPath();
                    return real + " " + java.nio.file.Files.getLastModifiedTime(real).toMillis();
                } catch (java.io.IOException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private InputText capture(List<String> command, String name, boolean required) {
        if (!runner.exists(command.get(0))) {
            if (required) {
                throw new EnvironmentException(command.get(0) + " not found: install it or give the state as files");
            }
            return null;
        }
        ProcessRunner.Result r = runner.run(command, null, TIMEOUT);
        if (!r.ok()) {
            if (required) {
                throw new EnvironmentException(r.describe());
            }
            return null;
        }
        return new InputText(name, r.stdout());
    }
}
