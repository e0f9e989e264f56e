package io.cnifix.lab;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Runs external commands from an argument list (never through a shell), with a timeout. */
final class Cmd {

    static final long TIMEOUT_SECONDS = 30;

    /** Both pipes are drained on other threads so that a chatty command cannot block on a full pipe. */
    private static final ExecutorService PIPES = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cfxlab-pipe");
        t.setDaemon(true);
        return t;
    });

    record Result(List<String> argv, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        String describe() {
            return String.join(" ", argv) + " exited " + exit + (err.isBlank() ? "" : ": " + err.strip());
        }
    }

    private Cmd() {
    }

    /** Runs the command and fails unless it exits 0. */
    static String run(String stdin, List<String> argv) throws IOException, InterruptedException {
        Result r = exec(stdin, argv);
        if (!r.ok()) {
            throw new IOException(r.describe());
        }
        return r.out();
    }

    static String run(String... argv) throws IOException, InterruptedException {
        return run(null, List.of(argv));
    }

    static Result exec(String stdin, List<String> argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(argv);
        cmd.set(0, tool(cmd.get(0)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (stdin != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The command quit without reading all of its input; its exit code and stderr tell why.
            }
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + " timed out after " + TIMEOUT_SECONDS + " s");
        }
        try {
            return new Result(argv, p.exitValue(), out.get(), err.get());
        } catch (ExecutionException e) {
            throw new IOException("reading output of " + String.join(" ", argv), e.getCause());
        }
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, PIPES);
    }

    /** Tools live in /usr/sbin, which a test runner's PATH does not always include. */
    static String tool(String name) {
        if (name.contains("/")) {
            return name;
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            File f = new File(dir, name);
            if (!dir.isEmpty() && f.canExecute()) {
                return f.getPath();
            }
        }
        return name;
    }

    static boolean found(String name) {
        return tool(name).contains("/");
    }
}
