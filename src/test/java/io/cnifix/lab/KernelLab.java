package io.cnifix.lab;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a small network out of namespaces and asks the real kernel where the first packet of a new connection
 * goes under a given iptables ruleset. Nothing here touches the machine's own namespace: every link, address,
 * sysctl and rule lives in namespaces named {@code cfxlab-<pid>-<n>-*}, which {@link #close()} removes.
 * <pre>
 *   client ns per link  --veth--  host ns (rules under test)  --bridge--veth--  containers ns
 *   (probe sources)                (records local deliveries)                  (records forwarded arrivals)
 * </pre>
 * Neighbours on every link are permanent entries, so ARP/ND is never needed and rules that drop ICMPv6 cannot
 * break the lab's plumbing. Not thread-safe: one caller at a time.
 */
public final class KernelLab implements AutoCloseable {

    private static final String PREFIX = "cfxlab-";
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Set<KernelLab> OPEN = ConcurrentHashMap.newKeySet();
    private static final int FIRST_AUTO_PORT = 20000;
    private static final int LAST_AUTO_PORT = 60999;
    private static final long FIRST_READ_MILLIS = 5;
    private static final long SETTLE_MILLIS = 15;
    private static final long MAX_WAIT_MILLIS = 1000;
    private static final int NFPROTO_INET = 1;
    private static final int NFPROTO_IPV4 = 2;
    private static final int NFPROTO_IPV6 = 10;
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cfxlab-worker");
        t.setDaemon(true);
        return t;
    });
    private static String unavailable;
    private static boolean checked;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(lab -> {
            try {
                lab.close();
            } catch (RuntimeException e) {
                System.err.println(e.getMessage());
            }
        }), "cfxlab-cleanup"));
    }

    /** One external link's far side: its namespace and the addresses it has, so probes may use them as sources. */
    private static final class Client {
        final ExternalLink link;
        final String netns;
        final Set<String> addresses = new HashSet<>();

        Client(ExternalLink link, String netns) {
            this.link = link;
            this.netns = netns;
        }
    }

    private final LabTopology topology;
    private final String name;
    private final List<String> namespaces = new ArrayList<>();
    private final Map<String, Client> clients = new LinkedHashMap<>();
    /** A thread inside each namespace: senders on the client side, netlink readers everywhere. */
    private final Map<String, NetnsThread> threads = new LinkedHashMap<>();
    private int nextPort = FIRST_AUTO_PORT;
    /** The flush of the previous probe() call's records, which the next one waits for; null if none started. */
    private List<CompletableFuture<Object>> flushing = List.of();
    private volatile boolean closed;

    private KernelLab(LabTopology topology) {
        this.topology = topology;
        this.name = PREFIX + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
    }

    /** Whether this machine can run a lab: root, the tools, nf_tables iptables and working namespaces. */
    public static synchronized boolean available() {
        if (!checked) {
            checked = true;
            unavailable = check();
        }
        return unavailable == null;
    }

    /** Why {@link #available()} is false, for assumption messages; null when it is true. */
    public static synchronized String unavailableReason() {
        available();
        return unavailable;
    }

    private static String check() {
        try {
            if (!Files.readString(Path.of("/proc/self/status")).matches("(?s).*\\nUid:\\s+0\\s.*")) {
                return "not root";
            }
            for (String tool : List.of("ip", "nft", "iptables", "iptables-restore", "ip6tables-restore")) {
                if (!Cmd.found(tool)) {
                    return tool + " not found";
                }
            }
            if (!Cmd.run("iptables", "-V").contains("nf_tables")) {
                return "iptables is not the nf_tables variant";
            }
            removeStale();
            String ns = PREFIX + ProcessHandle.current().pid() + "-check";
            Cmd.run("ip", "netns", "add", ns);
            try {
                Cmd.run(null, inNs(ns, "nft", "list", "ruleset"));
                NetnsThread.enter(ns).close();
            } finally {
                Cmd.exec(null, List.of("ip", "netns", "del", ns));
            }
            return null;
        } catch (IOException | RuntimeException | LinkageError e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** Removes namespaces left by labs whose JVM died before its shutdown hook could run. */
    private static void removeStale() throws IOException, InterruptedException {
        Matcher m = Pattern.compile("(?m)^" + PREFIX + "(\\d+)-\\S+").matcher(Cmd.run("ip", "netns", "list"));
        while (m.find()) {
            if (ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                Cmd.exec(null, List.of("ip", "netns", "del", m.group()));
            }
        }
    }

    public static KernelLab create(LabTopology topology) throws IOException, InterruptedException {
        validate(topology);
        KernelLab lab = new KernelLab(topology);
        OPEN.add(lab);
        try {
            lab.build();
            return lab;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            try {
                lab.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void validate(LabTopology t) {
        if (t.externals().isEmpty()) {
            throw new IllegalArgumentException("a lab needs at least one external link");
        }
        Set<String> names = new HashSet<>();
        List<String> all = new ArrayList<>();
        t.externals().forEach(e -> all.add(e.hostIface()));
        t.bridges().forEach(b -> all.add(b.name()));
        for (String n : all) {
            if (!n.matches("[A-Za-z0-9_.-]{1,15}") || n.equals("lo") || n.startsWith("cfxport") || !names.add(n)) {
                throw new IllegalArgumentException("bad or duplicate interface name: " + n);
            }
        }
    }

    /** An address in the form {@link Arrival} uses: dotted IPv4, RFC 5952 compressed lower-case IPv6. */
    public static String canonicalAddress(String address) {
        return Recorder.canonical(address);
    }

    public String hostNetns() {
        return name + "-host";
    }

    public String containersNetns() {
        return name + "-ctr";
    }

    /** The client namespace of the first external link. */
    public String clientNetns() {
        return clients.values().iterator().next().netns;
    }

    public String clientNetns(String hostIface) {
        return client(hostIface).netns;
    }

    private void build() throws IOException, InterruptedException {
        List<ExternalLink> links = topology.externals();
        for (int i = 0; i < links.size(); i++) {
            clients.put(links.get(i).hostIface(), new Client(links.get(i), name + "-x" + i));
        }
        addNetns(hostNetns());
        addNetns(containersNetns());
        for (Client c : clients.values()) {
            addNetns(c.netns);
        }
        for (String ns : namespaces) {
            threads.put(ns, NetnsThread.enter(ns));
        }
        // Before any interface exists, so every interface inherits the defaults: DAD would leave new IPv6
        // addresses (link-local ones too) tentative for a second or more.
        String noDad = "net.ipv6.conf.default.accept_dad=0";
        sysctl(hostNetns(), "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                "net.ipv6.conf.all.accept_dad=0", noDad);
        for (String ns : namespacesButHost()) {
            sysctl(ns, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                    "net.ipv6.conf.all.accept_dad=0", noDad, "net.ipv6.conf.default.accept_ra=0");
        }

        List<String> clientNs = new ArrayList<>();
        for (Client c : clients.values()) {
            clientNs.add(c.netns);
            for (String cidr : c.link.clientCidrs()) {
                c.addresses.add(Recorder.canonical(Plumbing.addr(cidr)));
            }
        }
        for (Map.Entry<String, List<String>> e
                : Plumbing.batches(topology, hostNetns(), containersNetns(), clientNs).entrySet()) {
            ipBatch(e.getKey(), e.getValue());
        }
        List<String> v6Rules = Plumbing.containerV6Rules(topology);
        if (!v6Rules.isEmpty()) {
            Cmd.run(String.join("\n", v6Rules) + "\n", List.of("ip", "-6", "-n", containersNetns(), "-batch", "-"));
        }

        List<String> ports = new ArrayList<>();
        for (int i = 0; i < topology.bridges().size(); i++) {
            ports.add(Plumbing.port(i));
        }
        nft(hostNetns(), Recorder.hostTable());
        nft(containersNetns(), Recorder.sinkTable(ports, true));
        for (String ns : clientNs) {
            nft(ns, Recorder.sinkTable(List.of(Plumbing.CLIENT_IFACE), false));
        }
    }

    private List<String> namespacesButHost() {
        return namespaces.subList(1, namespaces.size());
    }

    private void addNetns(String ns) throws IOException, InterruptedException {
        Cmd.run("ip", "netns", "add", ns);
        namespaces.add(ns);
    }

    /**
     * Replaces the whole firewall of the host namespace, so that it holds exactly the given rules (plus the lab's
     * own {@code inet cfxlab} table), and flushes its conntrack table, so no earlier flow keeps its old NAT or
     * state. A null or blank input means no rules of that family.
     */
    public synchronized void loadRules(String iptablesSaveV4, String ip6tablesSaveOrNull)
            throws IOException, InterruptedException {
        ensureOpen();
        // iptables-restore replaces only the tables its input names; every other table goes first. Deleting
        // only those matters: each table deleted and made again costs the kernel an RCU grace period or two.
        Set<String> named = new HashSet<>();
        sections(iptablesSaveV4).forEach(t -> named.add(NFPROTO_IPV4 + " " + t));
        sections(ip6tablesSaveOrNull).forEach(t -> named.add(NFPROTO_IPV6 + " " + t));
        NetnsThread host = threads.get(hostNetns());
        boolean restoreV6 = host.call(() -> {
            List<Netlink.Table> drop = new ArrayList<>();
            for (Netlink.Table t : Netlink.tables()) {
                boolean ours = t.family() == NFPROTO_INET && t.name().equals(Recorder.TABLE);
                if (!ours && !named.contains(t.family() + " " + t.name())) {
                    drop.add(t);
                }
            }
            Netlink.deleteTables(drop);
            return named.stream().anyMatch(n -> n.startsWith(NFPROTO_IPV6 + " "));
        });
        CompletableFuture<String> v4 = async(() -> restore("iptables-restore", iptablesSaveV4));
        if (restoreV6) {
            restore("ip6tables-restore", ip6tablesSaveOrNull);
        }
        join(v4);
        host.flushConntrack();
    }

    /** The tables an iptables-save text names ("*nat" lines). */
    private static List<String> sections(String save) {
        List<String> out = new ArrayList<>();
        if (save != null) {
            Matcher m = Pattern.compile("(?m)^\\*(\\S+)").matcher(save);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private String restore(String tool, String save) throws IOException, InterruptedException {
        return save == null || save.isBlank() ? "" : Cmd.run(save, inNs(hostNetns(), tool));
    }

    /** Sets sysctls in the host namespace, e.g. {@code net.ipv4.conf.eth0.route_localnet=1}. */
    public void hostSysctl(String... settings) throws IOException, InterruptedException {
        ensureOpen();
        sysctl(hostNetns(), settings);
    }

    /** Runs a command inside the host namespace and returns its standard output; fails unless it exits 0. */
    public String hostExec(String stdin, String... argv) throws IOException, InterruptedException {
        ensureOpen();
        return Cmd.run(stdin, inNs(hostNetns(), argv));
    }

    /**
     * Sends each probe's first packet from the client side, waits until the recorders stop changing, and tells
     * where each one arrived. Probes of one call are all in flight together.
     */
    public List<ProbeResult> probe(List<Probe> probes) throws IOException, InterruptedException {
        return probe(probes, false);
    }

    /** With {@code keepRecords}, the recorders keep this call's records until the next call, for a test to read. */
    synchronized List<ProbeResult> probe(List<Probe> probes, boolean keepRecords)
            throws IOException, InterruptedException {
        ensureOpen();
        List<Probe> sent = assignPorts(probes);
        Map<Client, List<Probe>> byClient = new LinkedHashMap<>();
        for (Probe p : sent) {
            byClient.computeIfAbsent(client(p.hostIface()), k -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<Client, List<Probe>> e : byClient.entrySet()) {
            addSources(e.getKey(), e.getValue());
        }
        for (CompletableFuture<Object> f : flushing == null ? startFlush() : flushing) {
            join(f);
        }

        List<Closeable> sockets = new ArrayList<>();
        try {
            List<CompletableFuture<List<Closeable>>> sending = new ArrayList<>();
            for (Map.Entry<Client, List<Probe>> e : byClient.entrySet()) {
                sending.add(async(() -> threads.get(e.getKey().netns).call(() -> Sender.send(e.getValue()))));
            }
            for (CompletableFuture<List<Closeable>> f : sending) {
                sockets.addAll(join(f));
            }
            return settle(sent);
        } finally {
            for (Closeable s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Nothing useful to do: the socket only held a half-open connection attempt.
                }
            }
            flushing = keepRecords ? null : startFlush();
        }
    }

    /**
     * Opens a real connection per probe and tells which were answered. Containers answer on every member address
     * at each of {@code services} ("tcp/8080", "udp/53"): a TCP listener (the kernel sends the SYN-ACK) or a UDP
     * echo, each bound to the member address so its answer leaves by the member's own bridge; the containers
     * namespace lets exactly those services through while this runs. Returns once every probe is answered or
     * refused, or nothing has changed for {@code quietMillis} (an answer takes well under a millisecond between
     * veths, a dropped one never comes; callers recheck a surprising silence with a longer wait).
     */
    public synchronized List<Answer> connect(List<Probe> probes, Set<String> services, long quietMillis)
            throws IOException, InterruptedException {
        ensureOpen();
        List<Probe> sent = assignPorts(probes);
        Map<Client, List<Integer>> byClient = new LinkedHashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            byClient.computeIfAbsent(client(sent.get(i).hostIface()), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Client, List<Integer>> e : byClient.entrySet()) {
            addSources(e.getKey(), e.getValue().stream().map(sent::get).toList());
        }
        for (CompletableFuture<Object> f : flushing == null ? startFlush() : flushing) {
            join(f);
        }
        List<Closeable> sockets = new ArrayList<>();
        List<DatagramChannel> echoes = new ArrayList<>();
        String ctr = containersNetns();
        StringBuilder elements = new StringBuilder();
        try {
            threads.get(ctr).call(() -> {
                for (BridgeSpec b : topology.bridges()) {
                    for (String member : b.memberAddresses()) {
                        for (String service : services) {
                            InetSocketAddress at = new InetSocketAddress(
                                    InetAddress.getByName(member),
                                    Integer.parseInt(service.substring(service.indexOf('/') + 1)));
                            if (service.startsWith("tcp/")) {
                                ServerSocketChannel l = ServerSocketChannel.open();
                                sockets.add(l);
                                l.bind(at, 1024);
                            } else {
                                DatagramChannel d = DatagramChannel.open(
                                        member.contains(":") ? StandardProtocolFamily.INET6
                                                : StandardProtocolFamily.INET);
                                sockets.add(d);
                                d.bind(at);
                                d.configureBlocking(false);
                                echoes.add(d);
                            }
                        }
                    }
                }
                return null;
            });
            for (String service : services) {
                elements.append(elements.length() == 0 ? "" : ", ").append(service.replace("/", " . "));
            }
            if (!services.isEmpty()) {
                nft(ctr, "add element inet " + Recorder.TABLE + " " + Recorder.OPEN + " { " + elements + " }\n");
            }
            SelectableChannel[] clientSide = new SelectableChannel[sent.size()];
            for (Map.Entry<Client, List<Integer>> e : byClient.entrySet()) {
                List<Probe> mine = e.getValue().stream().map(sent::get).toList();
                List<SelectableChannel> chans = threads.get(e.getKey().netns)
                        .call(() -> Sender.connect(mine));
                sockets.addAll(chans);
                for (int k = 0; k < chans.size(); k++) {
                    clientSide[e.getValue().get(k)] = chans.get(k);
                }
            }
            return awaitAnswers(sent, clientSide, echoes, quietMillis);
        } finally {
            for (Closeable c : sockets) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // The connection is over either way.
                }
            }
            if (elements.length() > 0) {
                nft(ctr, "flush set inet " + Recorder.TABLE + " " + Recorder.OPEN + "\n");
            }
            flushing = startFlush();
        }
    }

    /** Echoes what the UDP servers got and watches the clients until all are settled or nothing changes. */
    private static List<Answer> awaitAnswers(List<Probe> sent, SelectableChannel[] clients,
                                             List<DatagramChannel> echoes, long quietMillis)
            throws IOException, InterruptedException {
        int n = sent.size();
        boolean[] answered = new boolean[n];
        boolean[] settled = new boolean[n];
        ByteBuffer buf = ByteBuffer.allocate(2048);
        long lastChange = System.nanoTime();
        long start = lastChange;
        while (true) {
            for (DatagramChannel e : echoes) {
                SocketAddress from;
                while ((from = e.receive(buf.clear())) != null) {
                    buf.flip();
                    e.send(buf, from);
                }
            }
            int open = 0;
            for (int i = 0; i < n; i++) {
                if (settled[i]) {
                    continue;
                }
                Probe p = sent.get(i);
                try {
                    if (clients[i] instanceof SocketChannel ch) {
                        answered[i] = ch.finishConnect();
                        settled[i] = answered[i];
                    } else {
                        SocketAddress from = ((DatagramChannel) clients[i]).receive(buf.clear());
                        if (from instanceof InetSocketAddress a) {
                            // Only the answer from where the client sent to counts: a reply NAT'd wrong is no answer.
                            answered[i] = Recorder.canonical(a.getAddress().getHostAddress())
                                    .equals(Recorder.canonical(p.dst())) && a.getPort() == p.dport();
                            settled[i] = true;
                        }
                    }
                } catch (IOException refused) {
                    settled[i] = true;
                }
                if (settled[i]) {
                    lastChange = System.nanoTime();
                } else {
                    open++;
                }
            }
            long now = System.nanoTime();
            if (open == 0 || (now - lastChange) / 1_000_000 >= quietMillis
                    || (now - start) / 1_000_000 >= Math.max(MAX_WAIT_MILLIS, quietMillis)) {
                break;
            }
            Thread.sleep(1);
        }
        List<Answer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Answer(sent.get(i), answered[i]));
        }
        return out;
    }

    private List<Probe> assignPorts(List<Probe> probes) {
        Set<String> taken = new HashSet<>();
        for (Probe p : probes) {
            if (p.sport() != 0 && !taken.add(p.proto() + "/" + p.sport())) {
                throw new IllegalArgumentException("two probes use " + p.proto() + " source port " + p.sport());
            }
        }
        List<Probe> out = new ArrayList<>();
        for (Probe p : probes) {
            if (p.sport() != 0) {
                out.add(p);
                continue;
            }
            // Ports keep counting across calls, so a flow from an earlier call is never met again.
            int port;
            do {
                port = nextPort;
                nextPort = nextPort == LAST_AUTO_PORT ? FIRST_AUTO_PORT : nextPort + 1;
            } while (!taken.add(p.proto() + "/" + port));
            out.add(p.withSport(port));
        }
        return out;
    }

    private void addSources(Client c, List<Probe> probes) throws IOException, InterruptedException {
        List<String> cmds = new ArrayList<>();
        Set<String> hostSide = new HashSet<>();
        c.link.hostCidrs().forEach(h -> hostSide.add(Recorder.canonical(Plumbing.addr(h))));
        for (Probe p : probes) {
            String src = Recorder.canonical(p.src());
            if (src.contains(":") != Recorder.canonical(p.dst()).contains(":")) {
                throw new IllegalArgumentException("probe " + p.id() + " mixes address families");
            }
            if (hostSide.contains(src)) {
                throw new IllegalArgumentException("probe " + p.id() + ": source " + src + " is the host's own");
            }
            if (c.addresses.add(src)) {
                cmds.add(Plumbing.addrAdd(src + (src.contains(":") ? "/128" : "/32"), Plumbing.CLIENT_IFACE));
            }
        }
        if (!cmds.isEmpty()) {
            ipBatch(c.netns, cmds);
        }
    }

    /**
     * Reads the recorders until every probe is placed (a unicast packet arrives in one place at most) or two reads
     * in a row agree. Between veths a packet is usually through before the sending call returns.
     */
    private List<ProbeResult> settle(List<Probe> sent) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Thread.sleep(FIRST_READ_MILLIS);
        Records last = readRecords();
        while (true) {
            List<ProbeResult> results = last.attribute(sent);
            boolean placed = results.stream().noneMatch(r -> r.arrival() instanceof Arrival.None);
            if (placed || (System.nanoTime() - start) / 1_000_000 >= MAX_WAIT_MILLIS) {
                return results;
            }
            Thread.sleep(SETTLE_MILLIS);
            Records now = readRecords();
            if (now.equals(last)) {
                return results;
            }
            last = now;
        }
    }

    /** Reads every recorder set over netlink, from the thread inside each namespace: no process per read. */
    Records readRecords() throws IOException, InterruptedException {
        Map<String, CompletableFuture<List<Recorder.Seen>>> reads = new LinkedHashMap<>();
        Set<Recorder.PortMap> maps = ConcurrentHashMap.newKeySet();
        for (String ns : namespaces) {
            reads.put(ns, async(() -> threads.get(ns).call(() -> {
                List<Recorder.Seen> seen = new ArrayList<>();
                for (String set : setNames(ns)) {
                    for (byte[] key : Netlink.setKeys(Recorder.TABLE, set)) {
                        if (set.equals("m")) {
                            maps.add(Recorder.portMap(key));
                        } else {
                            seen.add(Recorder.seen(place(ns, set), key));
                        }
                    }
                }
                return seen;
            })));
        }
        return collect(reads, maps);
    }

    /** The same as {@link #readRecords()} through {@code nft -j}, to check the netlink decoding against nft's. */
    Records readRecordsWithNft() throws IOException, InterruptedException {
        Map<String, CompletableFuture<List<Recorder.Seen>>> reads = new LinkedHashMap<>();
        Set<Recorder.PortMap> maps = ConcurrentHashMap.newKeySet();
        for (String ns : namespaces) {
            reads.put(ns, async(() -> {
                List<Recorder.Seen> seen = new ArrayList<>();
                List<Recorder.PortMap> m = new ArrayList<>();
                Recorder.parse(Cmd.run(null, inNs(ns, "nft", "-j", "list", "table", "inet", Recorder.TABLE)), seen, m);
                maps.addAll(m);
                List<Recorder.Seen> placed = new ArrayList<>();
                for (Recorder.Seen x : seen) {
                    placed.add(new Recorder.Seen(place(ns, x.place()), x.proto(), x.src(), x.sport(), x.dst(),
                            x.dport()));
                }
                return placed;
            }));
        }
        return collect(reads, maps);
    }

    private static Records collect(Map<String, CompletableFuture<List<Recorder.Seen>>> reads,
                                   Set<Recorder.PortMap> maps) throws IOException, InterruptedException {
        Set<Recorder.Seen> seen = new LinkedHashSet<>();
        for (CompletableFuture<List<Recorder.Seen>> f : reads.values()) {
            seen.addAll(join(f));
        }
        return new Records(seen, new LinkedHashSet<>(maps));
    }

    /** Turns (namespace, recorder set) into the host interface the packet left by, or "" for local delivery. */
    private String place(String ns, String set) {
        if (ns.equals(hostNetns())) {
            return "";
        }
        if (ns.equals(containersNetns())) {
            int port = Integer.parseInt(set.substring(1, set.indexOf('_')));
            return topology.bridges().get(port).name();
        }
        for (Client c : clients.values()) {
            if (c.netns.equals(ns)) {
                return c.link.hostIface();
            }
        }
        throw new IllegalStateException("unknown namespace " + ns);
    }

    /**
     * Starts emptying every recorder set, over netlink from each namespace's thread. Removing elements makes the
     * kernel wait for an RCU grace period (10 ms or more), so it runs while the caller does other work.
     */
    private List<CompletableFuture<Object>> startFlush() {
        List<CompletableFuture<Object>> flushes = new ArrayList<>();
        for (String ns : namespaces) {
            flushes.add(async(() -> threads.get(ns).call(() -> {
                Netlink.flushSets(Recorder.TABLE, setNames(ns));
                return null;
            })));
        }
        return flushes;
    }

    private List<String> setNames(String ns) {
        return ns.equals(hostNetns()) ? Recorder.hostSetNames()
                : Recorder.sinkSetNames(ns.equals(containersNetns()) ? topology.bridges().size() : 1);
    }

    private Client client(String hostIface) {
        Client c = clients.get(hostIface);
        if (c == null) {
            throw new IllegalArgumentException("no external link with host interface " + hostIface);
        }
        return c;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + name + " is closed");
        }
    }

    /** Removes every namespace of the lab; safe to call twice and from the shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Threads inside a namespace keep it alive after its name is gone, so they stop first.
        threads.values().forEach(NetnsThread::close);
        List<String> failures = new ArrayList<>();
        for (String ns : namespaces) {
            try {
                Cmd.Result r = Cmd.exec(null, List.of("ip", "netns", "del", ns));
                if (!r.ok()) {
                    failures.add(r.describe());
                }
            } catch (IOException e) {
                failures.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add("interrupted deleting " + ns);
            }
        }
        OPEN.remove(this);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("lab " + name + " left namespaces behind: " + failures);
        }
    }

    private void ensureNs(String ns) {
        if (!namespaces.contains(ns)) {
            throw new IllegalArgumentException(ns);
        }
    }

    private void ipBatch(String ns, List<String> lines) throws IOException, InterruptedException {
        ensureNs(ns);
        Cmd.run(String.join("\n", lines) + "\n", List.of("ip", "-n", ns, "-batch", "-"));
    }

    private void nft(String ns, String script) throws IOException, InterruptedException {
        ensureNs(ns);
        Cmd.run(script, inNs(ns, "nft", "-f", "-"));
    }

    /**
     * Writes "key=value" settings under /proc/sys from the namespace's thread: /proc/sys/net shows the network
     * namespace of the thread that opens it, so no sysctl process (nor the procps package) is needed.
     */
    private void sysctl(String ns, String... settings) throws IOException, InterruptedException {
        ensureNs(ns);
        threads.get(ns).call(() -> {
            for (String setting : settings) {
                int eq = setting.indexOf('=');
                String key = setting.substring(0, eq).strip();
                // Keys use dots or, like sysctl(8) allows, slashes (needed when an interface name has a dot).
                Path file = Path.of("/proc/sys", key.contains("/") ? key : key.replace('.', '/'));
                try {
                    Files.writeString(file, setting.substring(eq + 1).strip());
                } catch (IOException e) {
                    throw new IOException("sysctl " + setting + " in " + ns + ": " + e, e);
                }
            }
            return null;
        });
    }

    /** {@code ip netns exec} looks the tool up in its own PATH, which may lack /usr/sbin: pass a full path. */
    private static List<String> inNs(String ns, String... argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, Cmd.tool(argv[0])));
        cmd.addAll(List.of(argv).subList(1, argv.length));
        return cmd;
    }

    private interface IoCall<T> {
        T call() throws IOException, InterruptedException;
    }

    private static <T> CompletableFuture<T> async(IoCall<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        // Not the common pool: on a 2-core machine it runs one task at a time.
        WORKERS.execute(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    private static <T> T join(CompletableFuture<T> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof InterruptedException ie) {
                throw ie;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }
}
