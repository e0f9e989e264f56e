package io.cnifix.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The process boundary, replayed: each command line (its arguments joined by one space) answers with recorded
 * output, real tools' output captured under fixtures/. Anything not recorded fails like a real program would
 * ("exited 127"); a command can also be made to time out. Every call is kept, so tests can check the argument
 * lists cnifix builds.
 */
final class RecordedRunner extends ProcessRunner {
    private final Map<String, Result> answers = new LinkedHashMap<>();
    private final Set<String> timeouts = new HashSet<>();
    private final Set<String> installed = new HashSet<>();
    // LiveHost reads side by side: calls come from several threads
    final List<List<String>> calls = java.util.Collections.synchronizedList(new ArrayList<>());

    RecordedRunner installed(String... programs) {
        installed.addAll(List.of(programs));
        return this;
    }

    RecordedRunner answer(String command, String stdout) {
        answers.put(command, new Result(List.of(command.split(" ")), 0, stdout, ""));
        return this;
    }

    RecordedRunner answerFile(String command, Path file) {
        return answer(command, read(file));
    }

    RecordedRunner fail(String command, int code, String stderr) {
        answers.put(command, new Result(List.of(command.split(" ")), code, "", stderr));
        return this;
    }

    RecordedRunner timeout(String command) {
        timeouts.add(command);
        return this;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Result run(List<String> command, String stdin, Duration timeout) {
        calls.add(List.copyOf(command));
        String key = String.join(" ", command);
        if (timeouts.contains(key)) {
            throw new EnvironmentException(key + " did not finish within " + timeout.toSeconds() + " s");
        }
        Result r = answers.get(key);
        if (r == null) {
            return new Result(List.copyOf(command), 127, "", command.get(0) + ": not recorded for this test");
        }
        return new Result(List.copyOf(command), r.exitCode(), r.stdout(), r.stderr());
    }

    @Override
    public boolean exists(String program) {
        return installed.contains(program);
    }

    boolean called(String command) {
        return calls.stream().anyMatch(c -> String.join(" ", c).equals(command));
    }
}
