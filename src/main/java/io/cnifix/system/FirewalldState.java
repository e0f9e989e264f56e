package io.cnifix.system;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * firewalld's own view of the host, for snapshots and support tickets: whether it runs, its version, zones, policies
 * and direct rules, as firewall-cmd prints them. The verdicts come from the nftables ruleset (firewalld's table is in
 * it); this is what a person needs to read a verdict in firewalld's terms and to see what a reload will restore.
 * File names under {@code firewalld/} in a snapshot, as the bundled fixtures have them.
 */
public final class FirewalldState {
    public static final String DIR = "firewalld";
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private FirewalldState() {
    }

    /**
     * firewall-cmd's answers by file name, or an empty map when firewall-cmd is not installed or firewalld does not
     * run ({@code --state} is not "running"); a query that fails is left out.
     */
    public static Map<String, String> capture(ProcessRunner runner) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!runner.exists("firewall-cmd")) {
            return out;
        }
        String state = ask(runner, "--state");
        if (state == null || !state.strip().equals("running")) {
            return out;
        }
        out.put("state.txt", state);
        put(out, runner, "version.txt", "--version");
        put(out, runner, "default-zone.txt", "--get-default-zone");
        put(out, runner, "active-zones.txt", "--get-active-zones");
        put(out, runner, "list-all-zones.txt", "--list-all-zones");
        put(out, runner, "list-all-policies.txt", "--list-all-policies"); // firewalld 0.9 and later
        put(out, runner, "direct-rules.txt", "--direct", "--get-all-rules");
        put(out, runner, "direct-rules-permanent.txt", "--permanent", "--direct", "--get-all-rules");
        return out;
    }

    private static void put(Map<String, String> out, ProcessRunner runner, String file, String... args) {
        String text = ask(runner, args);
        if (text != null) {
            out.put(file, text);
        }
    }

    private static String ask(ProcessRunner runner, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("firewall-cmd"));
        cmd.addAll(List.of(args));
        try {
            ProcessRunner.Result r = runner.run(cmd, null, LIMIT);
            return r.ok() ? r.stdout() : null;
        } catch (EnvironmentException e) {
            return null;
        }
    }
}
