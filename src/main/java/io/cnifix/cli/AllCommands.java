package io.cnifix.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * cnifix with every subcommand declared: the one list of subcommands. The documentation generators (man pages,
 * completion) read this class; {@link Main} at run time builds only the subcommand named ({@link Commands}).
 * A new command is added here.
 */
@Command(name = "cnifix", subcommands = {ShowCommand.class, TraceCommand.class, DiffCommand.class, SuggestCommand.class,
        PruneCommand.class, ReconcileCommand.class, HookCommand.class, SnapshotCommand.class, StatusCommand.class,
        UninstallCommand.class, WatchCommand.class, CommandLine.HelpCommand.class})
public final class AllCommands extends Main {
}
