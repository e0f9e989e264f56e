package io.cnifix.cli;

import io.cnifix.ingest.InputException;
import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.HostState;
import io.cnifix.model.Intent;
import io.cnifix.model.PortMapping;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * suggest's {@code --container}, {@code --port} and {@code --from}: act on the named containers and ports only, and
 * open them only to the given sources; {@code --save} records that choice in the policy file so later passes
 * (reconcile, the hook, watch) keep it.
 */
record Selection(List<String> containers, List<String> ports, List<String> from) {
    boolean any() {
        return !containers.isEmpty() || !ports.isEmpty() || !from.isEmpty();
    }

    List<Intent.PortSpec> portSpecs() {
        List<Intent.PortSpec> out = new ArrayList<>();
        for (String p : ports) {
            String t = p.trim();
            String proto = null;
            int slash = t.indexOf('/');
            if (slash >= 0) {
                // [PROTO/]HOSTPORT
                proto = t.substring(0, slash).toLowerCase(Locale.ROOT);
                t = t.substring(slash + 1);
            }
            try {
                int port = Integer.parseInt(t);
                if (port < 1 || port > 65535 || (proto != null && !List.of("tcp", "udp", "sctp").contains(proto))) {
                    throw new NumberFormatException();
                }
                out.add(new Intent.PortSpec(port, proto));
            } catch (NumberFormatException e) {
                throw new UsageException("--port " + p + ": expected [tcp|udp|sctp/]HOSTPORT, e.g. tcp/8080");
            }
        }
        return out;
    }

    List<Cidr> sources() {
        List<Cidr> out = new ArrayList<>();
        for (String f : from) {
            for (String part : f.split(",")) {
                try {
                    out.add(Cidr.parse(part.trim()));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--from " + part + ": not an address or CIDR (" + e.getMessage() + ")");
                }
            }
        }
        return out;
    }

    private boolean named(String containerName, String containerId) {
        return containers.isEmpty() || containers.stream().anyMatch(c -> names(c, containerName, containerId));
    }

    /** A container is named by its name or by 12 or more leading characters of its id. */
    private static boolean names(String given, String containerName, String containerId) {
        return given.equals(containerName) || (containerId != null && given.length() >= 12 && containerId.startsWith(given));
    }

    private boolean selected(PortMapping m) {
        List<Intent.PortSpec> specs = portSpecs();
        return named(m.containerName(), m.containerId()) && (specs.isEmpty() || specs.stream().anyMatch(s -> s.matches(m)));
    }

    /** The host with --from declared for the selected containers (replacing what labels or the file said). */
    HostState declare(HostState host) {
        if (from.isEmpty()) {
            return host;
        }
        List<Cidr> allowed = sources();
        List<Container> out = new ArrayList<>();
        for (Container c : host.containers()) {
            out.add(named(c.name(), c.id()) ? c.withIntent(new Intent(false, portSpecs(), allowed, "--from on the command line")) : c);
        }
        return new HostState(host.rulesets(), host.networks(), out, host.mappings(), host.addresses(), host.routes(),
                host.notes(), host.nftTables());
    }

    /** The plan narrowed to the selected containers and ports; removals of cnifix's stale rules are kept. */
    Plan narrow(Plan plan) {
        if (containers.isEmpty() && ports.isEmpty()) {
            return plan;
        }
        List<Proposal> adds = plan.additions().stream().filter(p -> selected(p.fixes())).toList();
        return new Plan(adds, plan.removals(), plan.untouched(), plan.proofProblems());
    }

    /** Checks that every named container exists on the host, so a typo is an error, not a silent no-op. */
    void check(HostState host) {
        for (String c : containers) {
            boolean known = host.containers().stream().anyMatch(k -> names(c, k.name(), k.id()));
            if (!known) {
                throw new UsageException("--container " + c + ": no such container on this host");
            }
        }
    }

    /** Writes the choice at the top of the policy file (first match wins), keeping everything else in it. */
    void save(Path file) {
        if (containers.isEmpty()) {
            throw new UsageException("--save needs --container: the policy file records choices per container");
        }
        StringBuilder add = new StringBuilder("# added by cnifix suggest --save\n");
        String what = (from.isEmpty() ? "" : " allow-from=" + String.join(",", sources().stream().map(Cidr::toString).toList()))
                + (ports.isEmpty() ? "" : " ports=" + String.join(",", portSpecs().stream().map(Intent.PortSpec::toString).toList()));
        if (what.isEmpty()) {
            throw new UsageException("--save needs --from or --port: there is nothing to record");
        }
        for (String c : containers) {
            if (c.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '#')) {
                throw new UsageException("--save: container name '" + c + "' cannot be written to the policy file");
            }
            add.append("container ").append(c).append(what).append('\n');
        }
        try {
            String old = Files.isRegularFile(file) ? Files.readString(file) : "";
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".cnifix-tmp");
            Files.writeString(tmp, add + old, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InputException(file.toString(), 0, "cannot write the policy file: " + e.getMessage());
        }
    }
}
