package io.cnifix.cli;

import io.cnifix.ingest.InputException;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.TerminalText;
import io.cnifix.system.ProcessRunner;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;


/**
 * The {@code cnifix} command. Subcommands are not listed here: building one costs reflection over all of its options
 * and mixins, so a command line that names a command builds that one alone under a root made without reflection
 * ({@link Commands#forArgs}); usage, help, a typo (for "Did you mean") and the documentation generators get the full
 * tree, {@link AllCommands}, whose annotation carries the root's texts.
 */
public class Main implements Callable<Integer> {

    static final String DEBUG_HELP = "Show stack traces for errors (also accepted after the command).";

    @Option(names = "--debug", description = DEBUG_HELP)
    boolean debug;

    public static void main(String[] args) {
        // `cnifix --version` alone answers before picocli is touched: picocli's classes are old class files that the
        // AppCDS archive cannot hold, and loading them is most of a bare version query's time. Same text, same exit.
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println(versionLine());
            System.exit(ExitCodes.OK);
        }
        System.exit(run(args, new CliContext(System.in, System.out, System.err, System.getenv(), new ProcessRunner())));
    }

    /** No command given: the usage on standard error and exit 2, as for any other usage mistake. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The full command tree, for help, completion and man pages. */
    public static CommandLine full(CommandLine.IFactory factory) {
        CommandLine cl = new CommandLine(AllCommands.class, factory);
        HelpGroups.install(cl);
        return cl;
    }

    public static int run(String[] args, CliContext given) {
        // Every byte of text output passes the one escaping rule: names, comments and file contents stay inert.
        boolean terminal = given.out() == System.out && System.console() != null;
        CliContext ctx = new CliContext(given.in(), TerminalText.escaping(given.out(), terminal),
                TerminalText.escaping(given.err(), false), given.env(), given.runner());
        Factory factory = new Factory(ctx);
        // picocli registers converters for java.sql and java.time types by reflection, initialising those classes
        // (date formatters and all) on every start; no option of cnifix has such a type.
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        }
        CommandLine cl = Commands.forArgs(factory, args);
        versioned(cl);
        cl.setOut(new PrintWriter(ctx.out(), true));
        cl.setErr(new PrintWriter(ctx.err(), true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        boolean debug = List.of(args).contains("--debug");
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine where = ex.getCommandLine();
            ctx.err().println("cnifix: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, ctx.err())) {
                Suggest.option(ex).ifPresent(o -> ctx.err().println("Did you mean: " + o + "?"));
            }
            String name = where.getCommandName();
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

    /**
     * The root as a command line that names its command needs it: the options accepted before the command, and the
     * version. Built without reading annotations, which on a small host's diff cost a tenth of the run.
     */
    static CommandLine.Model.CommandSpec bareRoot() {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.wrapWithoutInspection(new Main());
        spec.name("cnifix").versionProvider(new Version());
        spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true).type(boolean.class)
                .description("Show this help message and exit.").build());
        spec.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true).type(boolean.class)
                .description("Print version information and exit.").build());
        spec.addOption(CommandLine.Model.OptionSpec.builder("--debug").type(boolean.class).description(DEBUG_HELP).build());
        return spec;
    }

    /** {@code cnifix diff --version} says what {@code cnifix --version} says (picocli printed nothing). */
    private static void versioned(CommandLine cl) {
        if (cl.getCommandSpec().version().length == 0 && cl.getCommandSpec().versionProvider() == null) {
            cl.getCommandSpec().versionProvider(new Version());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            versioned(sub);
        }
    }

    /** Hands each command the context (streams, environment, runner). */
    record Factory(CliContext ctx) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            // looked up, not tried: a NoSuchMethodException's message alone costs a short run milliseconds
            for (java.lang.reflect.Constructor<?> c : cls.getDeclaredConstructors()) {
                Class<?>[] p = c.getParameterTypes();
                if (p.length == 1 && p[0] == CliContext.class) {
                    return cls.cast(c.newInstance(ctx));
                }
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** "cnifix VERSION" from the jar's manifest ("dev" when run from classes). */
    static String versionLine() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "cnifix " + (v == null ? "dev" : v);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {versionLine()};
        }
    }
}
