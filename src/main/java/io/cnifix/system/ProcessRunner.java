package io.cnifix.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one way cnifix runs other programs: an argument list (never a shell), optional standard input,
 * a timeout, and the exit code with both outputs captured.
 */
public class ProcessRunner {

    /** What a finished command left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** A one-line description for error messages: the command, its exit code and the first line of stderr. */
        public String describe() {
            String err = stderr.strip();
            int nl = err.indexOf('\n');
            return String.join(" ", command) + " exited " + exitCode + (err.isEmpty() ? "" : ": " + (nl < 0 ? err : err.substring(0, nl)));
        }
    }

    public Result run(List<String> command, String stdin, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new EnvironmentException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        started(p);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = pump(p.getInputStream(), out);
        Thread e = pump(p.getErrorStream(), err);
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // The program may exit without reading its input; its exit code tells what happened.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new EnvironmentException(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s");
            }
            o.join(5000);
            e.join(5000);
        } catch (InterruptedException ex) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while running " + command.get(0), ex);
        }
        return new Result(List.copyOf(command), p.exitValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Starts a long-lived program whose standard output the caller reads line by line (an event stream); standard
     * input is /dev/null and standard error is kept apart for the caller to log. The caller ends it.
     */
    public Process start(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new EnvironmentException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** Called with every process {@link #run} starts (cnifix watch tells its own ruleset changes from others'). */
    protected void started(Process p) {
    }

    private static Thread pump(InputStream from, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try (from) {
                from.transferTo(to);
            } catch (IOException ignored) {
                // A closed pipe ends the copy; what arrived is kept.
            }
        }, "process-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** True when {@code program} can be found on PATH (or is an existing absolute path). */
    public boolean exists(String program) {
        if (program.contains("/")) {
            return java.nio.file.Files.isExecutable(java.nio.file.Path.of(program));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The program to run for {@code tool}: the one named by the environment variable {@code variable} when it is set
     * (tests put a failing stand-in there), else {@code tool} itself.
     */
    public static String program(Map<String, String> env, String variable, String tool) {
        String override = env.get(variable);
        return override != null && !override.isEmpty() ? override : tool;
    }
}
