package io.cnifix;

import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.system.StateFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** The bundled snapshots under fixtures/, for tests. */
public final class Fixtures {
    public static final Path ROOT = Path.of("fixtures");

    private Fixtures() {
    }

    public static List<String> names() {
        try (Stream<Path> s = Files.list(ROOT)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static StateSources sources(String name) {
        return new StateFiles(new ByteArrayInputStream(new byte[0])).snapshot(ROOT.resolve(name));
    }

    public static HostState host(String name) {
        return HostStateBuilder.build(sources(name));
    }

    /** The fixture with its IPv4 dump edited, e.g. to add an admin rule. */
    public static HostState host(String name, UnaryOperator<String> editV4) {
        StateSources s = sources(name);
        List<InputText> rules = new ArrayList<>();
        for (InputText t : s.rules()) {
            rules.add(t.name().endsWith("ip6tables-save.txt") ? t : new InputText(t.name(), editV4.apply(t.content())));
        }
        return HostStateBuilder.build(new StateSources(rules, s.ports(), s.networks(), s.addresses(), s.routes(), s.notes(), s.nft()));
    }
}
