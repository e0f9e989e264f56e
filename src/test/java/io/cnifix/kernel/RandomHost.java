package io.cnifix.kernel;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.lab.BridgeSpec;
import io.cnifix.lab.ExternalLink;
import io.cnifix.lab.LabTopology;
import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Route;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A random host with published ports, shaped like Podman with CNI, Podman with netavark, Docker 20-27 or Docker
 * 28 (or Docker and Podman side by side), plus what admins add: rules in DOCKER-USER / CNI-ADMIN / FORWARD above
 * the engine's jump / a chain named with --admin-chain, a RHEL-style catch-all REJECT or DROP, over-broad ACCEPTs
 * like the blog's {@code -I FORWARD -o cni0 -j ACCEPT}, and now and then a lost DNAT. Every host lives in
 * {@link #LAB}: its bridges and container addresses are a subset of the lab's.
 */
final class RandomHost {

    /** The lab every random host fits in: outside links eth0 (default route), eth1, ens3, ext0; three bridges. */
    static final LabTopology LAB = new LabTopology(
            List.of(new ExternalLink("eth0", List.of("198.51.100.1/24"), List.of("198.51.100.2/24"), true),
                    new ExternalLink("eth1", List.of("192.0.2.1/24"), List.of("192.0.2.2/24"), false),
                    new ExternalLink("ens3", List.of("100.64.0.1/24"), List.of("100.64.0.2/24"), false),
                    new ExternalLink("ext0", List.of("100.64.9.1/24"), List.of("100.64.9.2/24"), false)),
            List.of(new BridgeSpec("cni-podman0", List.of("10.88.0.1/16"),
                            List.of("10.88.0.2", "10.88.0.3", "10.88.0.4", "10.88.0.5")),
                    new BridgeSpec("podman1", List.of("10.89.0.1/24"), List.of("10.89.0.2", "10.89.0.3", "10.89.0.4")),
                    new BridgeSpec("docker0", List.of("172.17.0.1/16"),
                            List.of("172.17.0.2", "172.17.0.3", "172.17.0.4"))));

    enum Shape { CNI, NETAVARK, DOCKER, DOCKER28, DOCKER_AND_PODMAN }

    /** One bridge network as the host (and its engine) sees it. */
    private record Net(String bridge, String subnet, String gateway, List<String> members, String backend, Engine engine) {
    }

    private static final Net CNI0 = new Net("cni-podman0", "10.88.0.0/16", "10.88.0.1",
            List.of("10.88.0.2", "10.88.0.3", "10.88.0.4", "10.88.0.5"), "cni", Engine.PODMAN);
    private static final Net NETAVARK1 = new Net("podman1", "10.89.0.0/24", "10.89.0.1",
            List.of("10.89.0.2", "10.89.0.3", "10.89.0.4"), "netavark", Engine.PODMAN);
    private static final Net CNI1 = new Net("podman1", "10.89.0.0/24", "10.89.0.1",
            List.of("10.89.0.2", "10.89.0.3", "10.89.0.4"), "cni", Engine.PODMAN);
    private static final Net NETAVARK0 = new Net("cni-podman0", "10.88.0.0/16", "10.88.0.1",
            List.of("10.88.0.2", "10.88.0.3", "10.88.0.4", "10.88.0.5"), "netavark", Engine.PODMAN);
    private static final Net DOCKER0 = new Net("docker0", "172.17.0.0/16", "172.17.0.1",
            List.of("172.17.0.2", "172.17.0.3", "172.17.0.4"), "docker", Engine.DOCKER);

    final long seed;
    final Shape shape;
    final String rules;
    final HostState state;
    final Set<String> adminChains = new LinkedHashSet<>();
    /** What was done to the host, for failure messages. */
    final List<String> story = new ArrayList<>();

    private final Random rnd;
    private final List<Net> nets = new ArrayList<>();
    private final List<PortMapping> mappings = new ArrayList<>();
    private final List<Container> containers = new ArrayList<>();
    private final StringBuilder raw = new StringBuilder();
    private final StringBuilder natChains = new StringBuilder();
    private final StringBuilder nat = new StringBuilder();
    private final StringBuilder filterChains = new StringBuilder();
    /** FORWARD rules in order; engines add theirs, admins insert at the top or append. */
    private final List<String> forward = new ArrayList<>();
    private final List<String> filter = new ArrayList<>();
    private final Set<String> declared = new HashSet<>();

    RandomHost(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed * 31 + 5);
        this.shape = Shape.values()[rnd.nextInt(Shape.values().length)];
        story.add("shape " + shape);
        switch (shape) {
            case CNI -> {
                nets.add(CNI0);
                if (chance(0.4)) {
                    nets.add(CNI1);
                }
            }
            case NETAVARK -> {
                nets.add(NETAVARK1);
                if (chance(0.4)) {
                    nets.add(NETAVARK0);
                }
            }
            case DOCKER, DOCKER28 -> nets.add(DOCKER0);
            default -> {
                nets.add(DOCKER0);
                nets.add(chance(0.5) ? NETAVARK1 : CNI0);
            }
        }
        publish();
        engineRules();
        adminRules();
        this.rules = text();
        this.state = hostState();
    }

    // ------------------------------------------------------------------------------------------- containers

    private void publish() {
        Set<String> taken = new HashSet<>();
        int n = 2 + rnd.nextInt(3);
        for (int c = 0; c < n; c++) {
            Net net = nets.get(rnd.nextInt(nets.size()));
            String ip = net.members().get(rnd.nextInt(net.members().size()));
            if (containers.stream().anyMatch(x -> x.id().equals("c-" + ip))) {
                continue;
            }
            String name = "ctr" + c;
            containers.add(new Container("c-" + ip, name, net.engine(), List.of(net.bridge()), "bridge", false, "random"));
            int ports = 1 + rnd.nextInt(3);
            for (int p = 0; p < ports; p++) {
                String proto = chance(0.7) ? "tcp" : "udp";
                double r = rnd.nextDouble();
                IpAddress hostIp = r < 0.8 ? null : r < 0.95 ? IpAddress.parse("198.51.100.1")
                        : IpAddress.parse("127.0.0.1");
                int hostPort = 8080 + rnd.nextInt(12);
                if (!taken.add(proto + "/" + hostPort)) {
                    continue;
                }
                int containerPort = oneOf(80, 443, 53, 8080, 5000 + rnd.nextInt(100));
                mappings.add(new PortMapping("c-" + ip, name, net.engine(), net.bridge(), proto, hostIp, hostPort,
                        IpAddress.parse(ip), containerPort, "random"));
            }
        }
        story.add("published " + mappings.stream().map(m -> m.containerName() + " " + m.protocol() + " "
                + (m.hostIp() == null ? "" : m.hostIp() + ":") + m.hostPort() + "->" + m.containerIp() + ":"
                + m.containerPort()).toList());
    }

    private List<PortMapping> mappingsOn(Net n) {
        return mappings.stream().filter(m -> m.network().equals(n.bridge())).toList();
    }

    // ------------------------------------------------------------------------------------------- engines

    private void engineRules() {
        boolean lostDnat = chance(0.08);
        for (Net n : nets) {
            switch (n.backend()) {
                case "cni" -> cni(n, lostDnat);
                case "netavark" -> netavark(n, lostDnat);
                default -> docker(n, lostDnat);
            }
        }
        if (lostDnat) {
            story.add("the DNAT of the first mapping is missing");
        }
    }

    private void declareNat(String chain) {
        if (declared.add("nat/" + chain)) {
            natChains.append(':').append(chain).append(" - [0:0]\n");
        }
    }

    private void declareFilter(String chain) {
        if (declared.add("filter/" + chain)) {
            filterChains.append(':').append(chain).append(" - [0:0]\n");
        }
    }

    private String dnatRule(String chain, PortMapping m, String extra, boolean lostDnat) {
        if (lostDnat && m == mappings.get(0)) {
            return "";
        }
        return "-A " + chain + (m.hostIp() != null ? " -d " + m.hostIp() + "/32" : "") + extra + " -p " + m.protocol()
                + " -m " + m.protocol() + " --dport " + m.hostPort() + " -j DNAT --to-destination " + m.containerIp()
                + ":" + m.containerPort() + "\n";
    }

    private void cni(Net n, boolean lostDnat) {
        declareNat("CNI-HOSTPORT-DNAT");
        declareNat("CNI-HOSTPORT-SETMARK");
        declareNat("CNI-HOSTPORT-MASQ");
        if (declared.add("cni-top")) {
            nat.append("-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n");
            nat.append("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ\n");
            nat.append("-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE\n");
            nat.append("-A CNI-HOSTPORT-SETMARK -m comment --comment \"CNI portfwd masquerade mark\" -j MARK"
                    + " --set-xmark 0x2000/0x2000\n");
            declareFilter("CNI-FORWARD");
            declareFilter("CNI-ADMIN");
            forward.add("-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD");
            filter.add("-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN");
        }
        for (Container c : containers) {
            List<PortMapping> ms = mappingsOn(n).stream().filter(m -> m.containerId().equals(c.id())).toList();
            String ip = c.id().substring(2);
            if (!c.networks().get(0).equals(n.bridge())) {
                continue;
            }
            filter.add("-A CNI-FORWARD -d " + ip + "/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            filter.add("-A CNI-FORWARD -s " + ip + "/32 -j ACCEPT");
            if (ms.isEmpty()) {
                continue;
            }
            String dn = "CNI-DN-" + Integer.toHexString(ip.hashCode() & 0xfffffff);
            declareNat(dn);
            for (String proto : List.of("tcp", "udp")) {
                List<String> ports = ms.stream().filter(m -> m.protocol().equals(proto))
                        .map(m -> Integer.toString(m.hostPort())).toList();
                if (!ports.isEmpty()) {
                    nat.append("-A CNI-HOSTPORT-DNAT -p ").append(proto).append(" -m comment --comment \"dnat name: ")
                            .append(c.name()).append("\" -m multiport --dports ").append(String.join(",", ports))
                            .append(" -j ").append(dn).append('\n');
                }
            }
            for (PortMapping m : ms) {
                String d = m.hostIp() != null ? " -d " + m.hostIp() + "/32" : "";
                nat.append("-A ").append(dn).append(" -s ").append(n.subnet()).append(d).append(" -p ")
                        .append(m.protocol()).append(" -m ").append(m.protocol()).append(" --dport ")
                        .append(m.hostPort()).append(" -j CNI-HOSTPORT-SETMARK\n");
                nat.append(dnatRule(dn, m, "", lostDnat));
            }
        }
    }

    private void netavark(Net n, boolean lostDnat) {
        declareNat("NETAVARK-HOSTPORT-DNAT");
        declareNat("NETAVARK-HOSTPORT-SETMARK");
        declareNat("NETAVARK-HOSTPORT-MASQ");
        declareFilter("NETAVARK_FORWARD");
        if (declared.add("netavark-top")) {
            nat.append("-A PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT\n");
            nat.append("-A POSTROUTING -j NETAVARK-HOSTPORT-MASQ\n");
            nat.append("-A NETAVARK-HOSTPORT-MASQ -m comment --comment \"netavark portfw masq mark\" -m mark --mark"
                    + " 0x2000/0x2000 -j MASQUERADE\n");
            nat.append("-A NETAVARK-HOSTPORT-SETMARK -j MARK --set-xmark 0x2000/0x2000\n");
            forward.add("-A FORWARD -m comment --comment \"netavark firewall plugin rules\" -j NETAVARK_FORWARD");
            if (chance(0.5)) {
                filter.add("-A NETAVARK_FORWARD -m conntrack --ctstate INVALID -j DROP");
            }
        }
        filter.add("-A NETAVARK_FORWARD -d " + n.subnet() + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        filter.add("-A NETAVARK_FORWARD -s " + n.subnet() + " -j ACCEPT");
        String dn = "NETAVARK-DN-" + Integer.toHexString(n.subnet().hashCode() & 0xfffffff).toUpperCase();
        List<PortMapping> ms = mappingsOn(n);
        if (ms.isEmpty()) {
            return;
        }
        declareNat(dn);
        for (PortMapping m : ms) {
            nat.append("-A NETAVARK-HOSTPORT-DNAT -p ").append(m.protocol()).append(" -m ").append(m.protocol())
                    .append(" --dport ").append(m.hostPort()).append(" -m comment --comment \"dnat name: ")
                    .append(m.containerName()).append("\" -j ").append(dn).append('\n');
            String d = m.hostIp() != null ? " -d " + m.hostIp() + "/32" : "";
            nat.append("-A ").append(dn).append(" -s ").append(n.subnet()).append(d).append(" -p ").append(m.protocol())
                    .append(" -m ").append(m.protocol()).append(" --dport ").append(m.hostPort())
                    .append(" -j NETAVARK-HOSTPORT-SETMARK\n");
            nat.append(dnatRule(dn, m, "", lostDnat));
        }
    }

    private void docker(Net n, boolean lostDnat) {
        boolean v28 = shape == Shape.DOCKER28;
        declareNat("DOCKER");
        for (String c : List.of("DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER")) {
            declareFilter(c);
        }
        nat.append("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n");
        nat.append("-A POSTROUTING -s ").append(n.subnet()).append(" ! -o docker0 -j MASQUERADE\n");
        nat.append("-A DOCKER -i docker0 -j RETURN\n");
        forward.add("-A FORWARD -j DOCKER-USER");
        if (v28) {
            for (String c : List.of("DOCKER-FORWARD", "DOCKER-CT", "DOCKER-BRIDGE")) {
                declareFilter(c);
            }
            forward.add("-A FORWARD -j DOCKER-FORWARD");
            filter.add("-A DOCKER-FORWARD -j DOCKER-CT");
            filter.add("-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1");
            filter.add("-A DOCKER-FORWARD -j DOCKER-BRIDGE");
            filter.add("-A DOCKER-FORWARD -i docker0 -j ACCEPT");
            filter.add("-A DOCKER-BRIDGE -o docker0 -j DOCKER");
            filter.add("-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            filter.add("-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2");
            filter.add("-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP");
            for (Container c : containers) {
                if (c.networks().get(0).equals("docker0")) {
                    raw.append("-A PREROUTING -d ").append(c.id().substring(2)).append("/32 ! -i docker0 -j DROP\n");
                }
            }
        } else {
            forward.add("-A FORWARD -j DOCKER-ISOLATION-STAGE-1");
            forward.add("-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            forward.add("-A FORWARD -o docker0 -j DOCKER");
            forward.add("-A FORWARD -i docker0 ! -o docker0 -j ACCEPT");
            forward.add("-A FORWARD -i docker0 -o docker0 -j ACCEPT");
            filter.add("-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2");
            filter.add("-A DOCKER-ISOLATION-STAGE-1 -j RETURN");
            filter.add("-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP");
            filter.add("-A DOCKER-ISOLATION-STAGE-2 -j RETURN");
        }
        for (PortMapping m : mappingsOn(n)) {
            if (m.hostIp() != null && m.hostIp().isLoopback() && v28) {
                raw.append("-A PREROUTING -d 127.0.0.1/32 ! -i lo -p ").append(m.protocol()).append(" -m ")
                        .append(m.protocol()).append(" --dport ").append(m.hostPort()).append(" -j DROP\n");
            }
            filter.add("-A DOCKER -d " + m.containerIp() + "/32 ! -i docker0 -o docker0 -p " + m.protocol() + " -m "
                    + m.protocol() + " --dport " + m.containerPort() + " -j ACCEPT");
            nat.append(dnatRule("DOCKER", m, " ! -i docker0", lostDnat));
        }
        if (v28) {
            filter.add("-A DOCKER ! -i docker0 -o docker0 -j DROP");
        }
    }

    // ------------------------------------------------------------------------------------------- admins

    private void adminRules() {
        // Where this host's admin puts rules: DOCKER-USER, CNI-ADMIN, FORWARD above the engines, or a chain of
        // their own named with --admin-chain.
        List<String> places = new ArrayList<>();
        if (declared.contains("filter/DOCKER-USER")) {
            places.add("DOCKER-USER");
        }
        if (declared.contains("filter/CNI-ADMIN")) {
            places.add("CNI-ADMIN");
        }
        places.add("FORWARD-top");
        if (chance(0.25)) {
            declareFilter("SITE-FILTER");
            forward.add(0, "-A FORWARD -j SITE-FILTER");
            adminChains.add("SITE-FILTER");
            places.add("SITE-FILTER");
        }
        List<String> top = new ArrayList<>();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            String place = places.get(rnd.nextInt(places.size()));
            String rule = adminRule();
            story.add("admin rule in " + place + ": " + rule);
            if (place.equals("FORWARD-top")) {
                top.add("-A FORWARD" + rule);
            } else {
                filter.add("-A " + place + rule);
            }
        }
        if (declared.contains("filter/DOCKER-USER") && shape != Shape.DOCKER28 || chance(0.5)
                && declared.contains("filter/DOCKER-USER")) {
            filter.add("-A DOCKER-USER -j RETURN");
        }
        if (chance(0.3)) {
            String broad = broadAccept();
            story.add("over-broad accept: " + broad);
            if (chance(0.5)) {
                top.add(0, broad);
            } else {
                forward.add(broad);
            }
        }
        forward.addAll(0, top);
        double r = rnd.nextDouble();
        if (r < 0.3) {
            forward.add("-A FORWARD -j REJECT --reject-with icmp-host-prohibited");
            story.add("catch-all REJECT at the end of FORWARD");
        } else if (r < 0.4) {
            forward.add("-A FORWARD -j DROP");
            story.add("catch-all DROP at the end of FORWARD");
        }
    }

    private String adminRule() {
        PortMapping m = mappings.isEmpty() ? null : mappings.get(rnd.nextInt(mappings.size()));
        String src = oneOf("203.0.113.0/24", "8.8.0.0/16", "198.51.100.64/26", "45.0.0.0/8", "100.64.0.0/16");
        String verdict = oneOf(" -j DROP", " -j DROP", " -j REJECT --reject-with icmp-port-unreachable", " -j RETURN",
                " -j ACCEPT");
        int k = rnd.nextInt(8);
        if (m == null && k >= 2) {
            k = 0;
        }
        return switch (k) {
            case 0 -> " -s " + src + verdict;
            case 1 -> " -i " + oneOf("eth1", "ens3", "eth+") + verdict;
            case 2 -> " -p " + m.protocol() + " -m " + m.protocol() + " --dport " + m.containerPort() + verdict;
            case 3 -> " -p " + m.protocol() + " -m conntrack --ctstate DNAT --ctorigdstport " + m.hostPort() + verdict;
            case 4 -> " ! -s " + src + " -d " + m.containerIp() + "/32" + verdict;
            case 5 -> " -d " + m.containerIp() + "/32 -p " + m.protocol() + " -m " + m.protocol() + " --dport "
                    + m.containerPort() + " -m conntrack --ctstate DNAT -j ACCEPT";
            case 6 -> " -o " + m.network() + " -m conntrack --ctstate DNAT" + (chance(0.5) ? " -s " + src : "")
                    + " -j ACCEPT";
            default -> " -s " + src + " -p " + m.protocol() + " -m multiport --dports " + m.containerPort() + ","
                    + (1 + rnd.nextInt(2000)) + verdict;
        };
    }

    private String broadAccept() {
        Net n = nets.get(rnd.nextInt(nets.size()));
        return switch (rnd.nextInt(4)) {
            case 0 -> "-A FORWARD -o " + n.bridge() + " -j ACCEPT";
            case 1 -> "-A FORWARD -d " + n.subnet() + " -j ACCEPT";
            case 2 -> "-A FORWARD -o " + n.bridge() + " -p tcp -m multiport --dports 1000:2000,80,443 -j ACCEPT";
            default -> "-A FORWARD -i eth0 -o " + n.bridge() + " -m conntrack --ctstate NEW -j ACCEPT";
        };
    }

    // ------------------------------------------------------------------------------------------- output

    private String text() {
        StringBuilder b = new StringBuilder("# Generated by iptables-save v1.8.9 (nf_tables) for random host " + seed
                + "\n");
        if (raw.length() > 0) {
            b.append("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n").append(raw).append("COMMIT\n");
        }
        b.append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
                .append(natChains).append(nat).append("COMMIT\n");
        String policy = chance(0.85) ? "DROP" : "ACCEPT";
        story.add("FORWARD policy " + policy);
        b.append("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ").append(policy).append(" [0:0]\n:OUTPUT ACCEPT [0:0]\n")
                .append(filterChains);
        forward.forEach(r -> b.append(r).append('\n'));
        filter.forEach(r -> b.append(r).append('\n'));
        return b.append("COMMIT\n").toString();
    }

    private HostState hostState() {
        List<Network> networks = new ArrayList<>();
        for (Net n : nets) {
            networks.add(new Network(n.bridge().equals("docker0") ? "bridge" : "podman-" + n.bridge(), n.engine(),
                    n.backend(), n.bridge(), List.of(Cidr.parse(n.subnet())), List.of(IpAddress.parse(n.gateway())),
                    n.backend().equals("cni") ? List.of("bridge", "portmap", "firewall", "tuning") : List.of(),
                    n.backend().equals("cni") ? "iptables" : null, null,
                    n.backend().equals("cni") ? "CNI-ADMIN" : null, false, "random"));
        }
        List<HostAddress> addresses = new ArrayList<>();
        addresses.add(new HostAddress("lo", IpAddress.parse("127.0.0.1"), 8));
        addresses.add(new HostAddress("eth0", IpAddress.parse("198.51.100.1"), 24));
        if (chance(0.5)) {
            addresses.add(new HostAddress("eth1", IpAddress.parse("192.0.2.1"), 24));
            story.add("the host lists eth1's address");
        }
        for (Net n : nets) {
            addresses.add(new HostAddress(n.bridge(), IpAddress.parse(n.gateway()), Cidr.parse(n.subnet()).prefix()));
        }
        List<Route> routes = List.of(new Route(Cidr.all(Family.V4), "unicast", "eth0", IpAddress.parse("198.51.100.2"),
                0, "main"));
        return new HostState(List.of(IptablesSaveParser.parse(new InputText("random-" + seed + "/iptables-save.txt",
                rules), Family.V4)), networks, containers, mappings, addresses, routes, List.of());
    }

    @SafeVarargs
    private <T> T oneOf(T... values) {
        return values[rnd.nextInt(values.length)];
    }

    private boolean chance(double p) {
        return rnd.nextDouble() < p;
    }
}
