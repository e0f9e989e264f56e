package io.cnifix.ingest;

import io.cnifix.ingest.json.IpJsonReader;
import io.cnifix.ingest.json.NetworksReader;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.Container;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.nft.NftTable;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Route;
import io.cnifix.model.Ruleset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses every source of one host and joins them: a mapping from {@code podman ps} learns its container address
 * from {@code podman inspect} or the CNI cache, a network learns its bridge from the host's addresses, and a
 * container address in no known network (netavark's default network has no file) gets one from the interface
 * that holds its subnet.
 */
public final class HostStateBuilder {
    private HostStateBuilder() {
    }

    /** Rule text from this size on is parsed on another core (about 10,000 rules). */
    private static final long LARGE_DUMP = 1 << 20;

    /** The supplier's result, or its exception, as an already completed future. */
    private static <T> java.util.concurrent.CompletableFuture<T> completed(java.util.function.Supplier<T> work) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(work.get());
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(new java.util.concurrent.CompletionException(e));
        }
    }

    public static HostState build(StateSources s) {
        return build(s, NameTables.bundled());
    }

    /** With the service and protocol names rule files are read with (the host's own when it is read live). */
    public static HostState build(StateSources s, NameTables names) {
        return parsed(s, names).withMatchFacts(new io.cnifix.model.MatchFacts(parseIpsets(s.rules()), false, rpFilter(s.rules())));
    }

    private static HostState parsed(StateSources s, NameTables names) {
        // Rules and JSON are independent: parse large dumps on another core meanwhile. A small host parses in place,
        // since starting the common pool costs more than its dumps take, and so do rules with no JSON to read beside
        // them (a large dump's parser uses the second core itself).
        long ruleChars = s.rules().stream().mapToLong(t -> t.content().length()).sum();
        boolean jsonToRead = !s.ports().isEmpty() || !s.networks().isEmpty() || !s.nft().isEmpty();
        java.util.concurrent.CompletableFuture<List<Ruleset>> parsed = ruleChars >= LARGE_DUMP && jsonToRead
                ? java.util.concurrent.CompletableFuture.supplyAsync(() -> parseRules(s.rules(), names))
                : completed(() -> parseRules(s.rules(), names));
        // A large nft dump (netavark's table for 10,000 ports is 13 MB) is read on a thread of its own meanwhile: read
        // here after the ports, it was the longest task of such a host while the rules' parser sat idle.
        long nftChars = 0;
        for (InputText t : s.nft()) {
            nftChars += t.content() == null ? 0 : t.content().length();
        }
        java.util.concurrent.CompletableFuture<List<NftTable>> nftRead = nftChars >= LARGE_DUMP
                ? java.util.concurrent.CompletableFuture.supplyAsync(() -> readNft(s.nft()), HostStateBuilder::onOwnThread)
                : null;
        List<Network> networks = new ArrayList<>();
        for (InputText t : s.networks()) {
            networks.addAll(NetworksReader.read(t));
        }
        List<Container> containers = new ArrayList<>();
        List<PortMapping> mappings = new ArrayList<>();
        for (InputText t : s.ports()) {
            PortsReader.PortsDocument d = PortsReader.read(t);
            containers.addAll(d.containers());
            mappings.addAll(d.mappings());
            networks.addAll(d.networks());
        }
        List<HostAddress> addresses = new ArrayList<>();
        for (InputText t : s.addresses()) {
            addresses.addAll(IpJsonReader.addresses(t));
        }
        List<Route> routes = new ArrayList<>();
        for (InputText t : s.routes()) {
            routes.addAll(IpJsonReader.routes(t));
        }
        // The nft dump is read while the iptables dumps parse on the other core (a netavark host's 40,000 nft rules
        // took as long again after them); an error in it is still thrown where it was read before, after theirs.
        List<NftTable> nft = new ArrayList<>();
        RuntimeException nftError = null;
        try {
            nft.addAll(nftRead == null ? readNft(s.nft()) : nftRead.join());
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            if (!(e.getCause() instanceof RuntimeException re)) {
                throw e;
            }
            nftError = re;
        } catch (RuntimeException e) {
            nftError = e;
        }
        List<Ruleset> rulesets;
        try {
            rulesets = parsed.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
        List<String> notes = new ArrayList<>(s.notes());
        for (Ruleset r : rulesets) {
            notes.addAll(r.notes());
        }
        List<Network> joinedNetworks = joinNetworks(networks, addresses);
        List<PortMapping> joinedMappings = joinMappings(mappings, joinedNetworks, addresses, notes);
        joinedNetworks = addImpliedNetworks(joinedNetworks, joinedMappings, addresses);
        List<PortMapping> named = new ArrayList<>();
        for (PortMapping m : joinedMappings) {
            String net = m.containerIp() == null ? null : networkOf(m.containerIp(), joinedNetworks);
            named.add(net == null || net.equals(m.network()) ? m : m.withContainerIp(m.containerIp(), net));
        }
        joinedMappings = named;
        if (nftError != null) {
            throw nftError;
        }
        List<IntentReader.PolicyEntry> policy = new ArrayList<>();
        for (InputText t : s.policy()) {
            policy.addAll(IntentReader.policy(t));
        }
        List<Container> declared = IntentReader.resolve(joinContainers(containers), policy);
        return new HostState(rulesets, joinedNetworks, declared, joinedMappings, addresses, routes, notes, nft,
                s.otherBackEnd().isEmpty() ? List.of() : parseRules(s.otherBackEnd(), names));
    }

    private static List<NftTable> readNft(List<InputText> texts) {
        List<NftTable> out = new ArrayList<>();
        for (InputText t : texts) {
            out.addAll(NftReader.read(t));
        }
        return out;
    }

    private static void onOwnThread(Runnable work) {
        Thread t = new Thread(work, "cnifix-nft");
        t.setDaemon(true);
        t.start();
    }

    private static List<io.cnifix.model.IpSet> parseIpsets(List<InputText> texts) {
        List<io.cnifix.model.IpSet> out = new ArrayList<>();
        for (InputText t : texts) {
            if (IpsetSaveParser.looksLikeIpset(t)) {
                out.addAll(IpsetSaveParser.parse(t));
            }
        }
        return out;
    }

    /** The rp_filter sysctl, when one of the texts holds it (live: read from /proc; snapshot: sysctl-rp_filter.txt). */
    private static io.cnifix.model.RpFilter rpFilter(List<InputText> texts) {
        for (InputText t : texts) {
            if (!IpsetSaveParser.looksLikeIpset(t) && RpFilterText.looksLike(t)) {
                return RpFilterText.parse(t);
            }
        }
        return null;
    }

    private static List<Ruleset> parseRules(List<InputText> texts, NameTables names) {
        List<Ruleset> rulesets = new ArrayList<>();
        for (InputText t : texts) {
            if (IpsetSaveParser.looksLikeIpset(t) || RpFilterText.looksLike(t)) {
                continue;
            }
            Ruleset r = IptablesSaveParser.parse(t, IptablesSaveParser.familyOf(t), names);
            for (Ruleset other : rulesets) {
                if (other.family() == r.family()) {
                    throw new InputException(t.name(), 0, "a second " + (r.family() == io.cnifix.model.Family.V4
                            ? "iptables" : "ip6tables") + " dump (the first was " + other.source() + ")");
                }
            }
            rulesets.add(r);
        }
        return rulesets;
    }

    private static List<Network> joinNetworks(List<Network> all, List<HostAddress> addresses) {
        Map<String, Network> byName = new LinkedHashMap<>();
        for (Network n : all) {
            Network known = byName.get(n.name());
            if (known == null || (known.bridge() == null && n.bridge() != null)
                    || (known.subnets().isEmpty() && !n.subnets().isEmpty())) {
                byName.put(n.name(), known == null ? n : richer(n, known));
            }
        }
        List<Network> out = new ArrayList<>();
        for (Network n : byName.values()) {
            out.add(n.bridge() != null ? n : withBridge(n, bridgeFor(n, addresses)));
        }
        return out;
    }

    /** The more informative of two descriptions of one network, keeping the other's config where it has none. */
    private static Network richer(Network n, Network known) {
        return new Network(n.name(), n.engine(), known.backend() != null ? known.backend() : n.backend(),
                n.bridge() != null ? n.bridge() : known.bridge(), n.subnets().isEmpty() ? known.subnets() : n.subnets(),
                n.gateways().isEmpty() ? known.gateways() : n.gateways(),
                known.plugins().isEmpty() ? n.plugins() : known.plugins(),
                known.firewallBackend() != null ? known.firewallBackend() : n.firewallBackend(),
                known.ingressPolicy() != null ? known.ingressPolicy() : n.ingressPolicy(),
                known.adminChain() != null ? known.adminChain() : n.adminChain(), n.internal() || known.internal(),
                known.source());
    }

    private static Network withBridge(Network n, String bridge) {
        return new Network(n.name(), n.engine(), n.backend(), bridge, n.subnets(), n.gateways(), n.plugins(),
                n.firewallBackend(), n.ingressPolicy(), n.adminChain(), n.internal(), n.source());
    }

    private static String bridgeFor(Network n, List<HostAddress> addresses) {
        for (HostAddress a : addresses) {
            if (n.contains(a.address())) {
                return a.iface();
            }
        }
        return null;
    }

    private static List<Container> joinContainers(List<Container> all) {
        Map<String, Container> byId = new LinkedHashMap<>();
        for (Container c : all) {
            Container known = byId.get(c.id());
            if (known == null || (known.name() == null || known.name().isEmpty()) && c.name() != null) {
                byId.put(c.id(), known == null ? c : withDetails(c, known));
            } else {
                byId.put(c.id(), withDetails(known, c));
            }
        }
        return new ArrayList<>(byId.values());
    }

    /** {@code kept}, with the labels and image that only {@code other} (another view of the same container) had. */
    private static Container withDetails(Container kept, Container other) {
        java.util.Map<String, String> labels = new LinkedHashMap<>(other.labels());
        labels.putAll(kept.labels());
        return new Container(kept.id(), kept.name(), kept.engine(), kept.networks(), kept.networkMode(), kept.rootless(),
                kept.source(), labels, kept.image() != null ? kept.image() : other.image(), kept.intent());
    }

    private static List<PortMapping> joinMappings(List<PortMapping> all, List<Network> networks,
                                                  List<HostAddress> addresses, List<String> notes) {
        Map<String, IpAddress> addressById = new LinkedHashMap<>();
        Map<String, String> nameById = new LinkedHashMap<>();
        for (PortMapping m : all) {
            if (m.containerIp() != null && m.containerIp().isV4()) {
                addressById.putIfAbsent(m.containerId(), m.containerIp());
            }
            if (m.containerName() != null && !m.containerName().isEmpty() && !m.containerName().equals(shortId(m.containerId()))) {
                nameById.putIfAbsent(m.containerId(), m.containerName());
            }
        }
        Map<List<Object>, PortMapping> unique = new LinkedHashMap<>();
        for (PortMapping m : all) {
            PortMapping filled = m;
            if (filled.containerIp() == null && addressById.containsKey(m.containerId())) {
                filled = filled.withContainerIp(addressById.get(m.containerId()), filled.network());
            }
            String name = nameById.get(m.containerId());
            if (name != null && !name.equals(filled.containerName())) {
                filled = filled.withName(name);
            }
            if (filled.containerIp() != null) {
                String net = networkOf(filled.containerIp(), networks);
                if (net != null && !net.equals(filled.network())) {
                    filled = filled.withContainerIp(filled.containerIp(), net);
                }
            }
            List<Object> key = new ArrayList<>();
            key.add(filled.containerId());
            key.add(filled.protocol());
            key.add(filled.hostIp());
            key.add(filled.hostPort());
            key.add(filled.containerPort());
            key.add(filled.containerIp() == null ? null : filled.containerIp().family());
            PortMapping known = unique.get(key);
            if (known == null || (known.containerIp() == null && filled.containerIp() != null)) {
                unique.put(key, filled);
            }
        }
        List<PortMapping> out = new ArrayList<>(unique.values());
        // A mapping without an address is kept only when no sibling with an address says the same.
        java.util.Set<List<Object>> addressed = new java.util.HashSet<>();
        for (PortMapping m : out) {
            if (m.containerIp() != null) {
                addressed.add(List.of(String.valueOf(m.containerId()), m.protocol(), m.hostPort(), m.containerPort()));
            }
        }
        out.removeIf(m -> m.containerIp() == null
                && addressed.contains(List.of(String.valueOf(m.containerId()), m.protocol(), m.hostPort(), m.containerPort())));
        for (PortMapping m : out) {
            if (m.containerIp() == null) {
                notes.add("no address known for container " + m.containerName() + " (" + m.source()
                        + "): give podman inspect or the CNI cache too");
            }
        }
        return out;
    }

    private static String shortId(String id) {
        return id == null ? null : id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String networkOf(IpAddress ip, List<Network> networks) {
        for (Network n : networks) {
            if (n.contains(ip)) {
                return n.name();
            }
        }
        return null;
    }

    private static List<Network> addImpliedNetworks(List<Network> networks, List<PortMapping> mappings,
                                                    List<HostAddress> addresses) {
        List<Network> out = new ArrayList<>(networks);
        for (PortMapping m : mappings) {
            if (m.containerIp() == null || networkOf(m.containerIp(), out) != null) {
                continue;
            }
            for (HostAddress a : addresses) {
                if (!a.address().isLoopback() && a.subnet().contains(m.containerIp())) {
                    String name = m.network() != null ? m.network() : a.iface();
                    out.add(new Network(name, m.engine(), null, a.iface(), List.of(a.subnet()), List.of(a.address()),
                            List.of(), null, null, null, false, "implied by the address of " + a.iface()));
                    break;
                }
            }
        }
        return out;
    }
}
