package io.cnifix.cli;

import io.cnifix.ingest.InputException;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.ProcessRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;


@Command(name = "cnifix", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Finds published container ports that Docker would let in and this host drops, and closes the gaps.",
        subcommands = {ShowCommand.class, TraceCommand.class, DiffCommand.class, SuggestCommand.class, PruneCommand.class, ReconcileCommand.class, HookCommand.class, WatchCommand.class, SnapshotCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 nothing to fix, 1 gap/missing DNAT/exposure found, 2 bad input or usage,",
                "3 environment (not root, tool missing), 4 apply failed and cnifix's change was undone,",
                "5 some ports unknown and nothing else to fix, 6 apply failed and its undo failed too (see the message)."})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args, new CliContext(System.in, System.out, System.err, System.getenv(), new ProcessRunner())));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (see cnifix --help)");
    }

    public static int run(String[] args, CliContext ctx) {
        CommandLine cl = new CommandLine(new Main(), new Factory(ctx));
        cl.setOut(new java.io.PrintWriter(ctx.out(), true));
        cl.setErr(new java.io.PrintWriter(ctx.err(), true));
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        cl.setParameterExceptionHandler((ex, a) -> {
            ctx.err().println("cnifix: " + ex.getMessage());
            String name = ex.getCommandLine().getCommandName();
            ctx.err().println("Try 'cnifix " + (name.equals("cnifix") ? "" : name + " ") + "--help'.");
            return ExitCodes.BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (debug) {
                ex.printStackTrace(ctx.err());
            }
            if (ex instanceof InputException ie) {
                ctx.err().println("cnifix: " + ie.oneLine());
                return ExitCodes.BAD_INPUT;
            }
            if (ex instanceof UsageException) {
                ctx.err().println("cnifix: " + ex.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            if (ex instanceof EnvironmentException) {
                ctx.err().println("cnifix: " + ex.getMessage());
                return ExitCodes.ENVIRONMENT;
            }
            ctx.err().println("cnifix: internal error: " + ex + (debug ? "" : " (run with --debug for details)"));
            return 70;
        });
        return cl.execute(args);
    }

    /** Hands each command the context (streams, environment, runner). */
    private record Factory(CliContext ctx) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                return cls.getDeclaredConstructor(CliContext.class).newInstance(ctx);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"cnifix " + (v == null ? "dev" : v)};
        }
    }
}
