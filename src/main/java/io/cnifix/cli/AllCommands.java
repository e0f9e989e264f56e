package io.cnifix.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * cnifix with every subcommand declared, and the root's texts. The documentation generators (man pages, completion),
 * help and usage read this class; {@link Main} at run time builds only the subcommand named ({@link Commands}).
 * A new command is added here and in {@link Commands#ALL} (MainTest holds the two lists equal).
 */
@Command(name = "cnifix", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Finds published container ports that Docker would let in and this host drops, and closes the gaps.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:nothing to fix (with --apply: fixed and verified; trace: the trace ran)",
                "1:a gap, a missing DNAT or an exposure was found (suggest: rules to propose)",
                "2:bad input or usage",
                "3:environment: not root where root is needed, a required tool missing",
                "4:an apply failed and was rolled back; the ruleset is as it was",
                "5:some ports could not be judged (unknown) and nothing else was found to fix",
                "6:an apply failed and its rollback failed too (the message says what is left)"},
        footerHeading = "%nExamples:%n",
        footer = {"  cnifix diff                     judge every published port on this host",
                "  sudo cnifix suggest --apply     close the gaps",
                "  cnifix trace web:8080           follow one connection to container web, port 8080",
                "  cnifix help diff                a command's options"},
        subcommands = {ShowCommand.class, TraceCommand.class, DiffCommand.class, SuggestCommand.class,
                PruneCommand.class, ReconcileCommand.class, HookCommand.class, SnapshotCommand.class, StatusCommand.class,
                UninstallCommand.class, WatchCommand.class, CommandLine.HelpCommand.class})
public final class AllCommands extends Main {
}
