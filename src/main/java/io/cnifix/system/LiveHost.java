package io.cnifix.system;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;

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
        return new StateSources(rules, List.of(), List.of(), List.of(), List.of(), notes);
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
