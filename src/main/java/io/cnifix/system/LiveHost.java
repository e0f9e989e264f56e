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

    public LiveHost(ProcessRunner runner) {
        this.runner = runner;
    }

    /** iptables-save and ip6tables-save output; IPv6 is skipped with a note when ip6tables is missing. */
    public StateSources rules() {
        List<InputText> rules = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        rules.add(capture(List.of("iptables-save"), "iptables-save", true));
        if (runner.exists("ip6tables-save")) {
            InputText v6 = capture(List.of("ip6tables-save"), "ip6tables-save", false);
            if (v6 != null) {
                rules.add(v6);
            }
        } else {
            notes.add("ip6tables-save not found: IPv6 rules not read");
        }
        backEnds("iptables", notes);
        backEnds("ip6tables", notes);
        // -m set rules test ipsets; without ipset installed there are none to test.
        if (runner.exists("ipset")) {
            InputText sets = capture(List.of("ipset", "save"), "ipset save", false);
            if (sets == null) {
                notes.add("ipset save failed: -m set matches stay unknown");
            } else if (!sets.content().isBlank()) {
                rules.add(sets);
            }
        }
        return new StateSources(rules, List.of(), List.of(), List.of(), List.of(), notes);
    }

    /**
     * Notes when both iptables back ends hold rules: the kernel applies both, but {@code iptables-save} shows only
     * the one it was built for. Says which one was read.
     */
    private void backEnds(String tool, List<String> notes) {
        String legacy = tool + "-legacy-save";
        String nft = tool + "-nft-save";
        if (!runner.exists(legacy) || !runner.exists(nft)) {
            return;
        }
        int legacyRules = ruleCount(legacy);
        int nftRules = ruleCount(nft);
        if (legacyRules > 0 && nftRules > 0) {
            String read = "unknown";
            ProcessRunner.Result v = runner.run(List.of(tool + "-save", "--version"), null, TIMEOUT);
            String text = v.stdout() + v.stderr();
            if (text.contains("legacy")) {
                read = "legacy";
            } else if (text.contains("nf_tables")) {
                read = "nf_tables";
            }
            notes.add("both " + tool + " back ends hold rules: legacy " + legacyRules + " (" + legacy + "), nf_tables "
                    + nftRules + " (" + nft + "); the kernel applies both, cnifix read " + tool + "-save, which is the "
                    + read + " one: the other back end's rules were not judged");
        }
    }

    private int ruleCount(String save) {
        try {
            ProcessRunner.Result r = runner.run(List.of(save), null, TIMEOUT);
            if (!r.ok()) {
                return 0;
            }
            int n = 0;
            for (String line : r.stdout().split("\n")) {
                if (line.startsWith("-A ")) {
                    n++;
                }
            }
            return n;
        } catch (EnvironmentException e) {
            return 0;
        }
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
