package io.cnifix.cli;

import io.cnifix.engine.compare.DockerModel;
import picocli.CommandLine.Option;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What the host is judged against, and which chains hold the admin's own decisions. */
public final class ReferenceOptions {
    @Option(names = "--docker-model", paramLabel = "MODEL", converter = Candidates.DockerModels.class,
            completionCandidates = Candidates.DockerModels.class,
            description = "current (Docker 28+, default): only connections through a published host port get in; classic (Docker 17-27): direct routes to published container ports too.")
    String dockerModel = "current";

    @Option(names = "--admin-chain", paramLabel = "NAME", description = "A chain whose DROPs are deliberate (repeatable; DOCKER-USER and the CNI admin chain always are).")
    List<String> adminChains = new java.util.ArrayList<>();

    DockerModel model() {
        return switch (dockerModel.toLowerCase(Locale.ROOT)) {
            case "current" -> DockerModel.CURRENT;
            case "classic" -> DockerModel.CLASSIC;
            default -> throw new UsageException("--docker-model must be current or classic, got '" + dockerModel + "'");
        };
    }

    Set<String> admin() {
        return new LinkedHashSet<>(adminChains);
    }
}
