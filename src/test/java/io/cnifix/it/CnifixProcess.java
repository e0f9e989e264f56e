package io.cnifix.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the built cnifix jar as a real process, optionally inside a network namespace or as another user. */
final class CnifixProcess {
    static final Path JAR = Path.of("target/cnifix.jar").toAbsolutePath();

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private CnifixProcess() {
    }

    static List<String> command(String netns, List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.addAll(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Process start(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb.start();
    }

    static Result finish(Process p) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("cnifix did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static Result run(String netns, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return finish(start(command(netns, List.of(), args), env));
    }

    static Result run(String netns, String... args) throws IOException, InterruptedException {
        return run(netns, Map.of(), args);
    }

    /** A fixture's state options, with the ports directory replaced when {@code ports} is given. */
    static List<String> stateArgs(Path fixture, Path ports) {
        List<String> a = new ArrayList<>(List.of("--ports", (ports == null ? fixture.resolve("ports") : ports).toString(),
                "--addresses", fixture.resolve("ip-address.json").toString(), "--routes", fixture.resolve("ip-route.json").toString()));
        if (Files.isDirectory(fixture.resolve("networks"))) {
            a.addAll(List.of("--networks", fixture.resolve("networks").toString()));
        }
        return a;
    }
}
