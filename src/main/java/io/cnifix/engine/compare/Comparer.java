package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.engine.HostNet;
import io.cnifix.engine.Packet;
import io.cnifix.engine.Simulator;
import io.cnifix.engine.Trace;
import io.cnifix.engine.Verdict;
import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.PortRange;
import io.cnifix.model.Ruleset;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Judges every published port against Docker's behaviour, for every outside source, interface and port class,
 * finds what reaches containers that Docker would keep out, and notes structural problems.
 */
public final class Comparer {
    /** Admin chains that exist on every host cnifix knows. */
    public static final Set<String> DEFAULT_ADMIN_CHAINS = Set.of("DOCKER-USER", "CNI-ADMIN");
    /**
     * The source ports outside clients connect from: the ephemeral ranges (Linux 32768-60999, Windows and BSDs
     * 49152-65535). The container's answer goes to that port, so with every port from 1024 up an admin's
     * {@code -p tcp --dport 8080 -j DROP} in FORWARD made every published port look "blocked" (reply-drop for a
     * client on port 8080 alone, reported as every outside source); found by the kernel lab's real connections.
     */
    public static final PortRange CLIENT_PORTS = new PortRange(32768, 65535);

    private final HostState host;
    private final DockerModel model;
    private final Set<String> adminChains = new LinkedHashSet<>(DEFAULT_ADMIN_CHAINS);
    private final Map<Family, FamilyView> views = new EnumMap<>(Family.class);
    /** Rootless Podman containers by id: their ports go through a user-space listener, not FORWARD. */
    private final Map<String, Container> rootless = new LinkedHashMap<>();

    public Comparer(HostState host, DockerModel model, Set<String> extraAdminChains) {
        this.host = host;
        this.model = model;
        adminChains.addAll(extraAdminChains);
        for (Network n : host.networks()) {
            if (n.adminChain() != null && !n.adminChain().isEmpty()) {
                adminChains.add(n.adminChain());
            }
        }
        for (Container c : host.containers()) {
            if (c.rootless()) {
                rootless.put(c.id(), c);
            }
        }
    }

    /** Everything one family's ruleset needs, built once. */
    private final class FamilyView {
        final Ruleset rules;
        final OutsideWorld outside;
        final Simulator simulator;
        final AdminRules admin;
        final SourceSet outsideSources;
        final Splits throughHostPort;
        final Splits direct;
        final Splits replies;
        final Splits directReplies;

        FamilyView(Ruleset rules, Family family) {
            this.rules = rules;
            this.outside = new OutsideWorld(host, rules, family);
            List<IpAddress> extraLocals = outside.standIn ? outside.destinations : List.of();
            HostNet net = HostNet.of(host, extraLocals, List.of());
            this.simulator = new Simulator(rules, host.nftTables(), net);
            this.admin = new AdminRules(rules, adminChains);
            this.outsideSources = new SourceSet(outside.sources);
            java.util.function.Function<io.cnifix.model.Rule, io.cnifix.model.nft.NftRule> nft = simulator::nftRule;
            // The splits serve only the judging of published ports (and their exposures), and each walks every rule:
            // a host without any published port, however many rules it has, builds none.
            boolean ports = !host.mappings().isEmpty();
            this.throughHostPort = ports ? new Splits(outsideSources, false, false, rules, nft, host.nftTables(), net) : null;
            this.direct = ports ? new Splits(outsideSources, true, false, rules, nft, host.nftTables(), net) : null;
            this.replies = ports ? new Splits(outsideSources, false, true, rules, nft, host.nftTables(), net) : null;
            this.directReplies = ports ? new Splits(outsideSources, true, true, rules, nft, host.nftTables(), net) : null;
        }
    }

    private synchronized FamilyView view(Family f) {
        Ruleset r = host.ruleset(f);
        if (r == null) {
            return null;
        }
        return views.computeIfAbsent(f, k -> new FamilyView(r, k));
    }

    /** From this many rules on, the findings pass is worth a second core even with no port to judge. */
    private static final int MANY_RULES = 10_000;

    private int ruleCount() {
        int n = 0;
        for (Ruleset r : host.rulesets()) {
            n += r.ruleCount();
        }
        for (io.cnifix.model.nft.NftTable t : host.nftTables()) {
            for (io.cnifix.model.nft.NftChain c : t.chains()) {
                n += c.rules().size();
            }
        }
        return n;
    }

    public DiffReport compare() {
        // The structural findings read every rule but nothing the views build: on a big host they are worked out on
        // the other core while this one builds the views, which is one core's work too. A small host does both here.
        // With no port to judge no view is needed (a later trace or remedy builds its own): a 100,000-rule diff
        // without containers spent 30 ms of its 0.6 s simulating nothing.
        boolean judging = !host.mappings().isEmpty();
        java.util.concurrent.CompletableFuture<List<Finding>> found = judging && (host.mappings().size() >= Parallel.THRESHOLD
                || ruleCount() >= MANY_RULES) ? java.util.concurrent.CompletableFuture.supplyAsync(this::structuralFindings)
                : null;
        if (judging) {
            for (Family f : Family.values()) {
                view(f);
            }
        }
        // Ports are judged independently; the views and caches they share are safe to read from several threads.
        IntentJudge intents = new IntentJudge(host.containers());
        List<PortReport> ports = Parallel.stream(host.mappings()).map(this::judge).map(intents::apply).toList();
        List<Exposure> exposures = exposures();
        List<Finding> findings = found == null ? structuralFindings() : joined(found);
        if (!host.mappings().isEmpty()) {
            for (FamilyView v : views.values()) {
                String note = v.outside.standIn ? SourceWording.standInNote(host, v.rules.family(), v.outside.destinations.get(0)) : null;
                if (note != null) {
                    findings.add(new Finding("note", null, null, null, note));
                }
            }
        }
        DiffReport report = new DiffReport(ports, exposures, findings);
        // The other iptables back end runs on the same hooks: its decisions count too.
        return host.otherBackEnd().isEmpty() ? report : OtherBackEnd.fold(host, report, h -> new Comparer(h, model, adminChains).compare());
    }

    /** The findings about rules and tables themselves, no port judged: a netavark host's 40,000 nft rules too. */
    private List<Finding> structuralFindings() {
        List<Finding> out = new Findings(host, adminChains).all();
        out.addAll(NativeNft.findings(host.nftTables(), host.ruleset(Family.V4), host.ruleset(Family.V6)));
        return out;
    }

    private static <T> T joined(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** The admin-rule test for one family's rules, or null when there are none. */
    public AdminRules admin(Family f) {
        FamilyView v = view(f);
        return v == null ? null : v.admin;
    }

    /** Every chain counted as an admin chain (defaults, the networks' CNI admin chains, --admin-chain). */
    public Set<String> adminChains() {
        return Set.copyOf(adminChains);
    }

    /** Re-traces, with its path, one packet of a group of a judged port: what remedies place their rules by. */
    public Trace traceOf(PortMapping m, SourceGroup g) {
        FamilyView v = view(m.containerIp().family());
        IpAddress src = g.sources() == null ? v.outside.sources.get(0).first() : g.sources().get(0).base();
        Packet p = Packet.newConnection(g.interfaces().get(0), src, g.destinations().get(0),
                Packet.protocolNumber(m.protocol()), CLIENT_PORTS.first(), m.hostPort());
        return v.simulator.trace(p);
    }

    /** The container's answer to the first packet of a group, with its path: where a return-path rule goes. */
    public Trace replyTraceOf(PortMapping m, SourceGroup g) {
        FamilyView v = view(m.containerIp().family());
        IpAddress src = g.sources() == null ? v.outside.sources.get(0).first() : g.sources().get(0).base();
        Packet p = Packet.newConnection(g.interfaces().get(0), src, g.destinations().get(0),
                Packet.protocolNumber(m.protocol()), CLIENT_PORTS.first(), m.hostPort());
        Trace first = v.simulator.trace(p);
        if (!first.accepted()) {
            return null;
        }
        return v.simulator.traceReply(Explorer.replyOf(p, first), Explorer.connectionOf(p, first), Simulator.Detail.PATH);
    }

    public String bridgeOf(PortMapping m) {
        if (m.containerIp() == null) {
            return null;
        }
        for (Network n : host.networks()) {
            if (n.contains(m.containerIp()) && n.bridge() != null) {
                return n.bridge();
            }
        }
        return null;
    }

    PortReport judge(PortMapping m) {
        String bridge = bridgeOf(m);
        if (m.hostIp() != null && m.hostIp().isLoopback()) {
            return new PortReport(m, bridge, PortStatus.NOT_EXPOSED, null, "bound to " + m.hostIp() + ": not reachable from outside", List.of());
        }
        if (rootless.containsKey(m.containerId())) {
            return judgeRootless(m, rootless.get(m.containerId()));
        }
        if (m.containerIp() == null) {
            return new PortReport(m, bridge, PortStatus.UNKNOWN, null, "the container's address is not known", List.of());
        }
        if (m.hostIp() != null && m.hostIp().family() != m.containerIp().family()) {
            return judgeUserSpace(m, "bound to " + m.hostIp() + " for a container without an address of that family:"
                    + " published by a user-space proxy, FORWARD does not apply", false);
        }
        if (m.engine() == Engine.DOCKER && !m.containerIp().isV4() && dockerWithoutIp6tables()) {
            return judgeUserSpace(m, Family.V6, "Docker runs without ip6tables (no DOCKER chain in ip6tables nat): docker-proxy"
                    + " serves this IPv6 port, FORWARD does not apply", false);
        }
        FamilyView v = view(m.containerIp().family());
        if (v == null) {
            return new PortReport(m, bridge, PortStatus.UNKNOWN, null, "no " + (m.containerIp().isV4() ? "iptables" : "ip6tables") + " rules given", List.of());
        }
        int proto = Packet.protocolNumber(m.protocol());
        List<IpAddress> dests = m.hostIp() != null ? List.of(m.hostIp()) : v.outside.destinations;
        List<Box> start = new ArrayList<>();
        for (String iface : v.outside.interfaces) {
            for (IpAddress d : dests) {
                start.add(new Box(v.outsideSources, CLIENT_PORTS, PortRange.of(m.hostPort()), iface, d));
            }
        }
        Explorer ex = new Explorer(v.simulator, v.throughHostPort, v.replies, proto);
        List<Region> regions = ex.explore(start);
        if (regions == null) {
            return new PortReport(m, bridge, PortStatus.UNKNOWN, null, "too many packet classes to judge (over " + Explorer.MAX_TRACES + ")", List.of());
        }
        Map<List<Object>, List<Region>> groups = new LinkedHashMap<>();
        for (Region r : regions) {
            String outcome = outcome(r.trace(), m, bridge);
            Decider by = r.trace().decidedBy();
            if (outcome.equals("accept") && r.reply() != null && r.reply().verdict() != Verdict.ACCEPT) {
                // The first packet gets through, the container's answer does not: the port still times out.
                outcome = r.reply().verdict() == Verdict.UNKNOWN ? "unknown"
                        : r.reply().verdict() == Verdict.DROP ? "reply-drop" : "reply-reject";
                by = r.reply().decidedBy();
            }
            boolean admin = by instanceof Decider.ByRule br && v.admin.isAdmin(br.rule()) || AdminNft.onPurpose(by);
            groups.computeIfAbsent(List.of(outcome, admin, groupKey(by)), k -> new ArrayList<>()).add(r);
        }
        List<SourceGroup> sources = new ArrayList<>();
        for (Map.Entry<List<Object>, List<Region>> e : groups.entrySet()) {
            for (List<Region> part : Products.partition(e.getValue())) {
                sources.add(group((String) e.getKey().get(0), (Boolean) e.getKey().get(1), part, v.outside));
            }
        }
        return DnatRestore.named(host, SourceWording.namingUnknown(summarize(m, bridge, sources), g -> traceOf(m, g)));
    }

    /**
     * A rootless Podman port (slirp4netns, pasta, rootlessport): a user-space listener on the host accepts the
     * connection, so it meets the host's INPUT rules, never FORWARD. Judged like any local service: ok when INPUT
     * lets every outside source in, blocked when the host's own rules drop it (an admin decision Docker would not
     * change either), unknown otherwise. cnifix never proposes FORWARD rules for it.
     */
    private PortReport judgeRootless(PortMapping m, Container c) {
        return judgeUserSpace(m, "rootless (" + c.networkMode() + "): published by a user-space listener, FORWARD does not apply", true);
    }

    /** A port a user-space listener on the host serves: judged by the INPUT rules of its host address's family. */
    /**
     * {@code openable}: cnifix may open the port past INPUT's default (rootless Podman: Docker's rootful ports never
     * meet INPUT); for a rootful engine's own user-space proxy the host's INPUT default is the admin's decision.
     */
    private PortReport judgeUserSpace(PortMapping m, String head, boolean openable) {
        return judgeUserSpace(m, m.hostIp() != null ? m.hostIp().family() : Family.V4, head, openable);
    }

    /**
     * Docker 20.10 programs ip6tables only with {@code "ip6tables": true} (experimental); without it its IPv6 host
     * ports have no DNAT and reach the container through docker-proxy, a local listener: told by Docker's nat chain
     * being in iptables but not in ip6tables.
     */
    private boolean dockerWithoutIp6tables() {
        Ruleset v4 = host.ruleset(Family.V4);
        Ruleset v6 = host.ruleset(Family.V6);
        return v4 != null && v6 != null && v4.chain("nat", "DOCKER") != null && v6.chain("nat", "DOCKER") == null;
    }

    private PortReport judgeUserSpace(PortMapping m, Family f, String head, boolean openable) {
        FamilyView v = view(f);
        if (v == null) {
            return new PortReport(m, null, PortStatus.UNKNOWN, null, head + "; no " + (f == Family.V4 ? "iptables" : "ip6tables")
                    + " rules given to judge INPUT", List.of());
        }
        List<Box> start = new ArrayList<>();
        for (String iface : v.outside.interfaces) {
            for (IpAddress d : m.hostIp() != null ? List.of(m.hostIp()) : v.outside.destinations) {
                start.add(new Box(v.outsideSources, CLIENT_PORTS, PortRange.of(m.hostPort()), iface, d));
            }
        }
        List<Region> regions = new Explorer(v.simulator, v.throughHostPort, Packet.protocolNumber(m.protocol())).explore(start);
        if (regions == null) {
            return new PortReport(m, null, PortStatus.UNKNOWN, null, head + "; too many packet classes to judge INPUT", List.of());
        }
        Map<List<Object>, List<Region>> groups = new LinkedHashMap<>();
        for (Region r : regions) {
            Trace t = r.trace();
            // A DNAT or a route that takes the packet elsewhere is no decision of the host's INPUT rules.
            boolean elsewhere = t.dnatAddress() != null || t.decidedBy() instanceof Decider.ByRouting;
            String outcome = t.verdict() == Verdict.UNKNOWN ? "unknown" : elsewhere ? "misrouted"
                    : t.verdict() == Verdict.DROP ? "drop" : t.verdict() == Verdict.REJECT ? "reject"
                    : "local".equals(t.delivery()) ? "accept" : "misrouted";
            groups.computeIfAbsent(List.of(outcome, groupKey(t.decidedBy())), k -> new ArrayList<>()).add(r);
        }
        List<SourceGroup> sources = new ArrayList<>();
        boolean misrouted = false;
        for (Map.Entry<List<Object>, List<Region>> e : groups.entrySet()) {
            String outcome = (String) e.getKey().get(0);
            misrouted |= outcome.equals("misrouted");
            for (List<Region> part : Products.partition(e.getValue())) {
                // INPUT's policy or its unconditional last rule is the host's default, not a decision about this port:
                // Docker's rootful ports would not meet it, so cnifix may open the port past it (an INPUT accept).
                boolean byDefault = openable && RootlessInput.catchAll(part.get(0).trace().decidedBy());
                sources.add(group(outcome, !outcome.equals("misrouted") && !byDefault, part, v.outside));
            }
        }
        PortReport r = summarize(m, null, sources);
        if (r.status() == PortStatus.GAP && !misrouted) {
            return new PortReport(m, null, PortStatus.GAP, r.decidedBy(), head + "; the host's INPUT default keeps it closed ("
                    + describe(r.decidedBy()) + "); an INPUT accept for the port opens it", sources);
        }
        return switch (r.status()) {
            case OK -> new PortReport(m, null, PortStatus.OK, r.decidedBy(), head + "; the host's INPUT rules let every outside source in"
                    + " (" + describe(r.decidedBy()) + ")", sources);
            case BLOCKED -> new PortReport(m, null, PortStatus.BLOCKED, r.decidedBy(), head + "; the host's own rules keep it closed: "
                    + r.why(), sources);
            case GAP -> new PortReport(m, null, PortStatus.UNKNOWN, r.decidedBy(), head + "; but these packets are not delivered"
                    + " to the host (" + describe(r.decidedBy()) + ")", sources);
            default -> new PortReport(m, null, r.status(), r.decidedBy(), head + "; " + r.why(), sources);
        };
    }

    /**
     * Regions decided by the same rule or policy group together. The description names it uniquely; a record's
     * generated toString would render the whole rule, matches and all, for every region.
     */
    private static String groupKey(Decider by) {
        return by == null ? "" : by.describe();
    }

    private static String outcome(Trace t, PortMapping m, String bridge) {
        if (t.verdict() == Verdict.UNKNOWN) {
            return "unknown";
        }
        boolean toContainer = m.containerIp().equals(t.dnatAddress()) && Objects.equals(t.dnatPort(), m.containerPort());
        if (!toContainer) {
            return "no-dnat";
        }
        if (t.verdict() == Verdict.ACCEPT) {
            return "forward".equals(t.delivery()) && (bridge == null || bridge.equals(t.outInterface())) ? "accept" : "misrouted";
        }
        return t.verdict() == Verdict.DROP ? "drop" : "reject";
    }

    private static SourceGroup group(String outcome, boolean admin, List<Region> regions, OutsideWorld outside) {
        Decider by = regions.get(0).trace().decidedBy();
        Trace reply = regions.get(0).reply();
        if (reply != null && (outcome.startsWith("reply-") || outcome.equals("unknown") && reply.verdict() == Verdict.UNKNOWN)) {
            by = reply.decidedBy();
        }
        List<Interval> ranges = new ArrayList<>();
        Set<String> ifaces = new LinkedHashSet<>();
        Set<IpAddress> dests = new LinkedHashSet<>();
        for (Region r : regions) {
            ranges.addAll(r.box().sources().ranges());
            ifaces.addAll(outside.alike.get(r.box().inInterface()));
            dests.add(r.box().destination());
        }
        List<Cidr> cidrs = null;
        if (!outside.coversAll(ranges)) {
            cidrs = new ArrayList<>();
            for (Interval i : Interval.merge(ranges)) {
                cidrs.addAll(i.toCidrs());
            }
        }
        Trace seen = by == regions.get(0).trace().decidedBy() ? regions.get(0).trace() : reply;
        String fw = seen == null ? "" : FirewalldTerms.explain(by, seen.visited());
        Set<io.cnifix.model.Rule> undecided = new LinkedHashSet<>();
        regions.forEach(r -> undecided.addAll(r.trace().unknownRules()));
        return new SourceGroup(outcome, admin, by, cidrs, new ArrayList<>(ifaces), new ArrayList<>(dests), fw,
                new ArrayList<>(undecided));
    }

    private static PortReport summarize(PortMapping m, String bridge, List<SourceGroup> groups) {
        SourceGroup gap = null;
        SourceGroup unknown = null;
        SourceGroup blocked = null;
        int noDnat = 0;
        for (SourceGroup g : groups) {
            switch (g.outcome()) {
                case "drop", "reject", "misrouted", "reply-drop", "reply-reject" -> {
                    if (g.admin() && !g.outcome().equals("misrouted")) {
                        blocked = blocked == null ? g : blocked;
                    } else {
                        gap = gap == null ? g : gap;
                    }
                }
                case "unknown" -> unknown = unknown == null ? g : unknown;
                case "no-dnat" -> noDnat++;
                default -> {
                }
            }
        }
        if (noDnat == groups.size()) {
            SourceGroup g = groups.get(0);
            return new PortReport(m, bridge, PortStatus.MISSING_DNAT, g.decidedBy(),
                    "no DNAT takes " + IpAddress.withPort(m.hostIp(), "", m.hostPort()) + "/" + m.protocol()
                            + " to " + m.containerIp().withPort(m.containerPort()), groups);
        }
        if (gap != null || noDnat > 0) {
            SourceGroup g = gap != null ? gap : groups.stream().filter(x -> x.outcome().equals("no-dnat")).findFirst().orElseThrow();
            String who = SourceWording.who(g, groups);
            String why = switch (g.outcome()) {
                case "no-dnat" -> "not DNATed to the container for " + who;
                case "misrouted" -> "accepted but not forwarded to " + bridge + " for " + who;
                case "reply-drop", "reply-reject" -> "reply " + (g.outcome().equals("reply-drop") ? "dropped" : "rejected")
                        + " for " + who + " by " + describe(g) + " (the first packet gets in; the container's"
                        + " answer, from " + bridge + " back to the client, does not)";
                default -> (g.outcome().equals("drop") ? "dropped" : "rejected") + " for " + who + " by "
                        + describe(g) + " (the client's first packet, on its way in)";
            };
            return new PortReport(m, bridge, PortStatus.GAP, g.decidedBy(), why, groups);
        }
        if (unknown != null) {
            String only = unknown.sources() == null ? "" : "only sources " + Interval.brief(unknown.sources()) + " are undecided: ";
            return new PortReport(m, bridge, PortStatus.UNKNOWN, unknown.decidedBy(), unknown.decidedBy() instanceof Decider.ByOrder
                    ? only + "cannot be judged: " + describe(unknown.decidedBy())
                    : only + "the outcome hangs on a rule cnifix does not understand"
                            + (unknown.undecided().isEmpty() ? "" : " (" + unknown.undecidedText() + ")") + ": "
                            + describe(unknown.decidedBy()), groups);
        }
        if (blocked != null) {
            String who = SourceWording.who(blocked, groups);
            return new PortReport(m, bridge, PortStatus.BLOCKED, blocked.decidedBy(),
                    "an admin rule drops " + who + ": " + describe(blocked), groups);
        }
        return new PortReport(m, bridge, PortStatus.OK, groups.isEmpty() ? null : groups.get(0).decidedBy(),
                "accepted from every outside source" + (groups.isEmpty() ? "" : " by " + describe(groups.get(0))), groups);
    }

    static String describe(Decider d) {
        return d == null ? "nothing" : d.describe();
    }

    private static String describe(SourceGroup g) {
        return describe(g.decidedBy()) + g.terms();
    }

    private List<Exposure> exposures() {
        Map<IpAddress, Map<String, Set<Integer>>> published = new LinkedHashMap<>();
        for (PortMapping m : host.mappings()) {
            if (m.containerIp() != null && !rootless.containsKey(m.containerId())) {
                published.computeIfAbsent(m.containerIp(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(m.protocol(), k -> new TreeSet<>()).add(m.containerPort());
            }
        }
        return Parallel.stream(published.entrySet()).flatMap(e -> exposuresOf(e.getKey(), e.getValue()).stream()).toList();
    }

    private List<Exposure> exposuresOf(IpAddress ip, Map<String, Set<Integer>> published) {
        List<Exposure> out = new ArrayList<>();
        FamilyView v = view(ip.family());
        if (v == null) {
            return out;
        }
        Set<String> protocols = new LinkedHashSet<>(List.of("tcp", "udp"));
        protocols.addAll(published.keySet());
        for (String proto : protocols) {
            Set<Integer> allowed = model == DockerModel.CLASSIC ? published.getOrDefault(proto, Set.of()) : Set.of();
            out.addAll(exposuresOf(v, ip, proto, allowed, published.getOrDefault(proto, Set.of())));
        }
        return out;
    }

    private List<Exposure> exposuresOf(FamilyView v, IpAddress ip, String proto, Set<Integer> allowed, Set<Integer> published) {
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int p : published) {
            cuts.add(p);
            cuts.add(p + 1);
        }
        List<Box> start = new ArrayList<>();
        for (String iface : v.outside.interfaces) {
            int from = 1;
            for (int c : cuts.subSet(2, true, 65535, true)) {
                start.add(new Box(v.outsideSources, CLIENT_PORTS, new PortRange(from, c - 1), iface, ip));
                from = c;
            }
            start.add(new Box(v.outsideSources, CLIENT_PORTS, new PortRange(from, 65535), iface, ip));
        }
        List<Region> regions = new Explorer(v.simulator, v.direct, v.directReplies, Packet.protocolNumber(proto)).explore(start);
        if (regions == null) {
            return List.of();
        }
        Map<String, List<Region>> byRule = new LinkedHashMap<>();
        Set<Integer> seenAllowed = new HashSet<>();
        for (Region r : regions) {
            Trace t = r.trace();
            if (t.verdict() != Verdict.ACCEPT || !"forward".equals(t.delivery()) || t.dnatAddress() != null
                    || r.reply() != null && r.reply().verdict() == Verdict.DROP || r.reply() != null && r.reply().verdict() == Verdict.REJECT) {
                continue;
            }
            PortRange ports = r.box().destinationPorts();
            if (ports.first() == ports.last() && allowed.contains(ports.first())) {
                seenAllowed.add(ports.first());
                continue;
            }
            byRule.computeIfAbsent(groupKey(t.decidedBy()), k -> new ArrayList<>()).add(r);
        }
        List<Exposure> out = new ArrayList<>();
        for (List<Region> rs : byRule.values().stream().flatMap(rs -> Products.partition(rs).stream()).toList()) {
            TreeSet<Integer> firsts = new TreeSet<>();
            Map<Integer, Integer> lastOf = new LinkedHashMap<>();
            List<Interval> sources = new ArrayList<>();
            Set<String> ifaces = new LinkedHashSet<>();
            for (Region r : rs) {
                PortRange p = r.box().destinationPorts();
                firsts.add(p.first());
                lastOf.merge(p.first(), p.last(), Math::max);
                sources.addAll(r.box().sources().ranges());
                ifaces.addAll(v.outside.alike.get(r.box().inInterface()));
            }
            List<PortRange> ports = new ArrayList<>();
            for (int f : firsts) {
                int l = lastOf.get(f);
                if (!ports.isEmpty() && ports.get(ports.size() - 1).last() + 1 >= f) {
                    PortRange prev = ports.remove(ports.size() - 1);
                    ports.add(new PortRange(prev.first(), Math.max(prev.last(), l)));
                } else {
                    ports.add(new PortRange(f, l));
                }
            }
            List<Cidr> cidrs = null;
            if (!v.outside.coversAll(sources)) {
                cidrs = new ArrayList<>();
                for (Interval i : Interval.merge(sources)) {
                    cidrs.addAll(i.toCidrs());
                }
            }
            out.add(new Exposure(ip, proto, ports, cidrs, new ArrayList<>(ifaces), rs.get(0).trace().decidedBy()));
        }
        return out;
    }
}
