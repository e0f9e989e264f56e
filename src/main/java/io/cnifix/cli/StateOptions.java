package io.cnifix.cli;

import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.system.LiveContainers;
import io.cnifix.system.LiveHost;
import io.cnifix.system.StateFiles;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command reads the host from: a snapshot, files, or (for anything not given) the live host.
 */
public final class StateOptions {
    @Option(names = "--snapshot", paramLabel = "DIR", description = "A snapshot directory, or the file snapshot --tar wrote (see README: Snapshots).")
    Path snapshot;

    @Option(names = "--assume-history", description = "Do not judge recent, limit, hashlimit and connlimit matches as for a"
            + " first connection from a source with no history: leave them unknown.")
    boolean assumeHistory;

    @Option(names = "--rules", paramLabel = "FILE", description = "iptables-save or ip6tables-save output (repeatable; - for stdin).")
    List<String> rules = new ArrayList<>();

    @Option(names = "--ports", paramLabel = "FILE", description = "podman ps --format json, podman inspect, docker inspect or a CNI cache result (repeatable).")
    List<String> ports = new ArrayList<>();

    @Option(names = "--networks", paramLabel = "FILE", description = "CNI conflist, netavark network JSON or docker network inspect (repeatable).")
    List<String> networks = new ArrayList<>();

    @Option(names = "--addresses", paramLabel = "FILE", description = "ip -j address output.")
    List<String> addresses = new ArrayList<>();

    @Option(names = "--routes", paramLabel = "FILE", description = "ip -j route output (repeatable, e.g. also ip -6 -j route).")
    List<String> routes = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "FILE", description = "What the admin declared for containers' ports"
            + " (default: /etc/cnifix/policy.conf when it exists and the host is read live; a snapshot's policy.conf).")
    String policy;

    @Option(names = "--offline", description = "Never read the live host: what no file gives stays empty.")
    boolean offline;

    @Option(names = "--podman", paramLabel = "PATH", description = "The podman program to ask for live containers (default: podman on PATH; none: skip Podman).")
    String podman;

    @Option(names = "--docker", paramLabel = "PATH", description = "The docker CLI to ask for live containers (default: docker on PATH; none: skip Docker).")
    String docker;

    @Option(names = "--docker-host", paramLabel = "URL", description = "The Docker daemon to ask, e.g. unix:///run/docker.sock (default: the CLI's own, DOCKER_HOST).")
    String dockerHost;

    static final Path DEFAULT_POLICY = Path.of("/etc/cnifix/policy.conf");

    private static StateSources policyOnly(io.cnifix.ingest.InputText t) {
        return new StateSources(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(t));
    }

    /** The sources and, when containers were read live, what discovery found (with snapshot paths and versions). */
    record Gathered(StateSources sources, LiveContainers.Capture live) {
    }

    private static boolean asks(String program) {
        return program != null && !program.equals(LiveContainers.NONE);
    }

    /** True when the rules come from the live host (no snapshot, no rule files): what runs here is what is judged. */
    boolean readsLiveRules() {
        return snapshot == null && rules.isEmpty() && !offline;
    }

    boolean anyFiles() {
        return snapshot != null || !rules.isEmpty() || !ports.isEmpty();
    }

    HostState load(CliContext ctx) {
        HostState h = HostStateBuilder.build(sources(ctx), snapshot == null ? hostNames() : io.cnifix.ingest.NameTables.bundled());
        return assumeHistory ? h.withMatchFacts(h.matchFacts().withAssumeHistory(true)) : h;
    }

    /**
     * This host's /etc/services and /etc/protocols, which iptables-restore on this host resolves names with; the
     * bundled tables where either is missing or unreadable. A snapshot is always read with the bundled tables.
     */
    private static io.cnifix.ingest.NameTables hostNames() {
        try {
            java.nio.file.Path services = java.nio.file.Path.of("/etc/services");
            java.nio.file.Path protocols = java.nio.file.Path.of("/etc/protocols");
            if (java.nio.file.Files.size(services) > 4_000_000 || java.nio.file.Files.size(protocols) > 1_000_000) {
                return io.cnifix.ingest.NameTables.bundled();
            }
            return new io.cnifix.ingest.NameTables(java.nio.file.Files.readString(services),
                    java.nio.file.Files.readString(protocols));
        } catch (java.io.IOException | RuntimeException e) {
            return io.cnifix.ingest.NameTables.bundled();
        }
    }

    StateSources sources(CliContext ctx) {
        return gather(ctx).sources();
    }

    Gathered gather(CliContext ctx) {
        StateFiles files = new StateFiles(ctx.in());
        StateSources s = StateSources.empty();
        boolean liveContainers = !anyFiles() && !offline;
        // "none" asks nothing, so it goes with files too (a script can pass it whatever else it passes)
        if (!liveContainers && (asks(podman) || asks(docker) || dockerHost != null)) {
            throw new UsageException("--podman, --docker and --docker-host ask the live host for containers: they cannot be"
                    + " combined with --snapshot, --rules, --ports or --offline");
        }
        if (snapshot != null) {
            if (!rules.isEmpty() || !ports.isEmpty() || !networks.isEmpty() || !addresses.isEmpty() || !routes.isEmpty()) {
                throw new UsageException("--snapshot cannot be combined with --rules, --ports, --networks, --addresses or --routes");
            }
            StateSources snap = SnapshotArchive.read(ctx, snapshot);
            return new Gathered(policy == null ? snap : new StateSources(snap.rules(), snap.ports(), snap.networks(),
                    snap.addresses(), snap.routes(), snap.notes(), snap.nft(), snap.otherBackEnd(), List.of(files.read(policy))), null);
        }
        if (policy != null) {
            s = s.plus(policyOnly(files.read(policy)));
        } else if (!offline && java.nio.file.Files.isRegularFile(DEFAULT_POLICY)) {
            s = s.plus(policyOnly(files.read(DEFAULT_POLICY.toString())));
        }
        s = s.plus(new StateSources(files.readAll(rules), files.readAll(ports), files.readAll(networks),
                files.readAll(addresses), files.readAll(routes), List.of()));
        LiveHost live = new LiveHost(ctx.runner());
        if (rules.isEmpty()) {
            if (offline) {
                throw new UsageException("--offline needs --rules or --snapshot");
            }
            s = s.plus(live.rules());
            s = s.plus(live.nft());
        }
        if (addresses.isEmpty() && routes.isEmpty() && !anyFiles() && !offline) {
            s = s.plus(live.addressesAndRoutes());
        }
        LiveContainers.Capture found = null;
        if (liveContainers) {
            found = new LiveContainers(ctx.runner()).discover(new LiveContainers.Options(podman, docker, dockerHost));
            s = s.plus(new StateSources(List.of(), found.portTexts(), found.networkTexts(), List.of(), List.of(), found.notes()));
        } else if (ports.isEmpty()) {
            s = s.plus(new StateSources(List.of(), List.of(), List.of(), List.of(), List.of(),
                    List.of("no port mappings given (--ports): running containers are read live only when neither --rules"
                            + " nor --ports is given (and not --offline)")));
        }
        return new Gathered(s, found);
    }
}
