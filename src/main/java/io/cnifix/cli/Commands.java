package io.cnifix.cli;

import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.Map;

/** cnifix's subcommands by name, and which of them a command line needs built. */
final class Commands {
    /**
     * By name, in the order the usage lists them: the subcommands of {@link AllCommands}, written out because reading
     * them from the annotations loads and parses every command on every start.
     */
    static final Map<String, Class<?>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("show", ShowCommand.class);
        ALL.put("trace", TraceCommand.class);
        ALL.put("diff", DiffCommand.class);
        ALL.put("suggest", SuggestCommand.class);
        ALL.put("prune", PruneCommand.class);
        ALL.put("reconcile", ReconcileCommand.class);
        ALL.put("hook", HookCommand.class);
        ALL.put("snapshot", SnapshotCommand.class);
        ALL.put("status", StatusCommand.class);
        ALL.put("uninstall", UninstallCommand.class);
        ALL.put("watch", WatchCommand.class);
        ALL.put("help", CommandLine.HelpCommand.class);
    }

    private Commands() {
    }

    /**
     * Builds what {@code args} can reach: the named command alone, under a bare root, when nothing but {@code --debug}
     * comes before it; the bare root alone for {@code --version} with nothing else; the full tree for help, no command, or a name that
     * is not a command (picocli's "Did you mean" needs the names). Help groups installed on whatever it builds.
     */
    static CommandLine forArgs(CommandLine.IFactory factory, String[] args) {
        String first = null;
        boolean version = false;
        boolean other = false;   // an option before the command that is neither --debug nor a version flag
        for (String a : args) {
            if (!a.startsWith("-")) {
                first = a;
                break;
            }
            boolean v = a.equals("-V") || a.equals("--version");
            version |= v;
            other |= !v && !a.equals("--debug");
        }
        Class<?> cls = first == null ? null : ALL.get(first);
        if (cls != null && !first.equals("help") && !version && !other) {
            CommandLine cl = new CommandLine(Main.bareRoot(), factory);
            add(cl, factory, first, cls);
            HelpGroups.install(cl);
            return cl;
        }
        if (first == null && version && !other) {
            return new CommandLine(Main.bareRoot(), factory);
        }
        return Main.full(factory);   // with its help groups
    }

    private static void add(CommandLine cl, CommandLine.IFactory factory, String name, Class<?> cls) {
        try {
            cl.addSubcommand(name, new CommandLine(factory.create(cls), factory));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build command " + name, e);
        }
    }
}
