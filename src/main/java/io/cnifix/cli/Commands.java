package io.cnifix.cli;

import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.Map;

/** cnifix's subcommands by name, and which of them a command line needs built. */
final class Commands {
    /** By name, in the order the usage lists them: the subcommands of {@link AllCommands}, read from annotations only. */
    static final Map<String, Class<?>> ALL = new LinkedHashMap<>();

    static {
        for (Class<?> c : AllCommands.class.getAnnotation(CommandLine.Command.class).subcommands()) {
            ALL.put(c.getAnnotation(CommandLine.Command.class).name(), c);
        }
    }

    private Commands() {
    }

    static void addAll(CommandLine cl, CommandLine.IFactory factory) {
        for (var e : ALL.entrySet()) {
            add(cl, factory, e.getKey(), e.getValue());
        }
    }

    /**
     * Builds what {@code args} can reach: the named command alone; nothing for a bare {@code --version}; everything
     * for help, no command, or a name that is not a command (picocli's "Did you mean" needs the names).
     */
    static void addNeeded(CommandLine cl, CommandLine.IFactory factory, String[] args) {
        String first = null;
        boolean version = false;
        for (String a : args) {
            if (!a.startsWith("-")) {
                first = a;
                break;
            }
            version |= a.equals("-V") || a.equals("--version");
        }
        Class<?> cls = first == null ? null : ALL.get(first);
        if (cls != null && !first.equals("help")) {
            add(cl, factory, first, cls);
        } else if (first != null || !version) {
            addAll(cl, factory);
        }
    }

    private static void add(CommandLine cl, CommandLine.IFactory factory, String name, Class<?> cls) {
        try {
            cl.addSubcommand(name, new CommandLine(factory.create(cls), factory));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build command " + name, e);
        }
    }
}
