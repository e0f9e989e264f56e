package io.cnifix.hook;

import io.cnifix.system.ProcessRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A host behind the process runner: iptables-save prints {@link #v4}; iptables-restore --noflush applies the
 * filter table's -I/-D lines to it as the kernel would (and fails when {@link #failRestore}); a whole restore
 * replaces it; other commands answer from {@link #outputs} (by command-line prefix). Only the programs in
 * {@link #programs} exist.
 */
final class FakeHost extends ProcessRunner {
    String v4;
    boolean failRestore;
    final Map<String, String> outputs = new LinkedHashMap<>();
    final Set<String> programs;
    final List<List<String>> calls = new ArrayList<>();
    final List<String> restores = new ArrayList<>();
    /** Run after each applied restore: a test's way to have the container stop while the hook applies. */
    Runnable afterRestore = () -> { };

    FakeHost(String v4, String... programs) {
        this.v4 = v4;
        this.programs = Set.of(programs);
    }

    @Override
    public Result run(List<String> command, String stdin, Duration timeout) {
        calls.add(List.copyOf(command));
        String joined = String.join(" ", command);
        switch (command.get(0)) {
            case "iptables-save" -> {
                return new Result(command, 0, v4, "");
            }
            case "iptables-restore" -> {
                if (command.contains("--test")) {
                    return new Result(command, 0, "", "");
                }
                restores.add(stdin);
                if (failRestore) {
                    return new Result(command, 1, "", "iptables-restore: line 2 failed");
                }
                v4 = command.contains("--noflush") ? apply(v4, stdin) : stdin;
                afterRestore.run();
                return new Result(command, 0, "", "");
            }
            default -> {
                for (Map.Entry<String, String> e : outputs.entrySet()) {
                    if (joined.startsWith(e.getKey())) {
                        return new Result(command, 0, e.getValue(), "");
                    }
                }
                return new Result(command, 127, "", command.get(0) + ": not faked");
            }
        }
    }

    @Override
    public boolean exists(String program) {
        return programs.contains(program);
    }

    long callsOf(String program) {
        return calls.stream().filter(c -> c.get(0).equals(program)).count();
    }

    /** The filter table's -D and -I lines of {@code script}, applied to the dump {@code save}. */
    static String apply(String save, String script) {
        List<String> lines = new ArrayList<>(List.of(save.split("\n")));
        boolean inFilter = false;
        for (String s : script.split("\n")) {
            if (s.equals("*filter")) {
                inFilter = true;
            } else if (s.equals("COMMIT")) {
                inFilter = false;
            } else if (inFilter && s.startsWith("-D ")) {
                String target = "-A " + s.substring(3);
                int at = indexInFilter(lines, target);
                if (at < 0) {
                    throw new IllegalStateException("no such rule: " + target);
                }
                lines.remove(at);
            } else if (inFilter && s.startsWith("-I ")) {
                String[] w = s.split(" ", 4);
                insert(lines, w[1], Integer.parseInt(w[2]), "-A " + w[1] + " " + w[3]);
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static int filterStart(List<String> lines) {
        return lines.indexOf("*filter");
    }

    private static int indexInFilter(List<String> lines, String line) {
        for (int i = filterStart(lines); i < lines.size() && !lines.get(i).equals("COMMIT"); i++) {
            if (lines.get(i).equals(line)) {
                return i;
            }
        }
        return -1;
    }

    private static void insert(List<String> lines, String chain, int position, String line) {
        int seen = 0;
        int last = -1;
        int commit = -1;
        for (int i = filterStart(lines); i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.equals("COMMIT")) {
                commit = i;
                break;
            }
            if (l.startsWith("-A " + chain + " ")) {
                seen++;
                if (seen == position) {
                    lines.add(i, line);
                    return;
                }
                last = i;
            }
        }
        lines.add(last >= 0 ? last + 1 : commit, line);
    }
}
