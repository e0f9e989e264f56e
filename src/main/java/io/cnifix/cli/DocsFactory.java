package io.cnifix.cli;

import io.cnifix.system.ProcessRunner;
import picocli.CommandLine;

import java.util.Map;

/**
 * Builds cnifix's commands for picocli's generators (the man page and the bash completion, made in the Maven
 * package phase): they instantiate command classes through a factory with a no-argument constructor, and cnifix's
 * commands take the CLI context.
 */
public final class DocsFactory implements CommandLine.IFactory {
    private final CliContext ctx = new CliContext(System.in, System.out, System.err, Map.of(), new ProcessRunner());

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        try {
            return cls.getDeclaredConstructor(CliContext.class).newInstance(ctx);
        } catch (NoSuchMethodException e) {
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
