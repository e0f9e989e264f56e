package io.cnifix.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random IPv4 hosts that mix iptables-nft tables with native nftables tables: an iptables-save text (filter FORWARD
 * and INPUT with either policy, sometimes a DNAT in nat PREROUTING and a --ctstate DNAT accept) and an nft script
 * of one to three tables (ip or inet) whose base chains sit on prerouting (filter and nat), forward and input at
 * several priorities, equal ones included, with named and anonymous sets, verdict maps, DNAT (also through a map),
 * marks and conntrack marks, jumps, gotos and returns. The pools are the standard lab's.
 */
final class NftRulesetGenerator {
    private static final List<String> HOST = List.of("198.51.100.1", "192.0.2.1", "100.64.0.1");
    private static final List<String> MEMBERS = List.of("10.88.0.11", "10.88.0.12", "10.89.0.5", "172.17.0.2");
    private static final List<String> SOURCES = List.of("203.0.113.7", "8.8.4.4", "198.51.100.77", "192.0.2.55",
            "100.64.0.99", "45.33.32.156");
    private static final List<Integer> PORTS = List.of(22, 53, 80, 443, 8000, 8080, 8081, 9000);
    private static final List<String> IFACES = List.of("eth0", "eth1", "ens3");
    private static final List<String> BRIDGES = List.of("cni0", "podman1", "docker0");

    private final Random rnd;
    final String iptables;
    final String nft;

    NftRulesetGenerator(long seed) {
        this.rnd = new Random(seed * 104729 + 17);
        this.iptables = iptables();
        StringBuilder b = new StringBuilder();
        int tables = 1 + rnd.nextInt(3);
        for (int i = 0; i < tables; i++) {
            b.append(table("t" + i, rnd.nextBoolean() ? "inet" : "ip"));
        }
        this.nft = b.toString();
    }

    private <T> T pick(List<T> l) {
        return l.get(rnd.nextInt(l.size()));
    }

    /** Two different elements (map and set literals refuse duplicate keys). */
    private <T> List<T> two(List<T> l) {
        int a = rnd.nextInt(l.size());
        int b = (a + 1 + rnd.nextInt(l.size() - 1)) % l.size();
        return List.of(l.get(a), l.get(b));
    }

    private String iptables() {
        StringBuilder b = new StringBuilder("*filter\n");
        b.append(":INPUT ").append(rnd.nextInt(5) == 0 ? "DROP" : "ACCEPT").append(" [0:0]\n");
        b.append(":FORWARD ").append(rnd.nextBoolean() ? "DROP" : "ACCEPT").append(" [0:0]\n");
        b.append(":OUTPUT ACCEPT [0:0]\n");
        List<String> forward = new ArrayList<>();
        if (rnd.nextBoolean()) {
            forward.add("-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n");
        }
        if (rnd.nextInt(3) == 0) {
            forward.add("-A FORWARD -d " + pick(MEMBERS) + "/32 -p tcp -m tcp --dport " + pick(PORTS) + " -j ACCEPT\n");
        }
        if (rnd.nextInt(3) == 0) {
            forward.add("-A FORWARD -m mark --mark 0x1 -j ACCEPT\n");
        }
        // Rules the container's answer meets on its way back (bridge to uplink, ESTABLISHED, direction reply).
        if (rnd.nextInt(3) == 0) {
            forward.add("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        }
        if (rnd.nextInt(3) == 0) {
            String m = pick(MEMBERS);
            String br = bridgeOf(m);
            // The shape cnifix's remedy writes for a return path.
            forward.add("-A FORWARD -s " + m + "/32 -i " + br + " ! -o " + br + " -m conntrack --ctstate"
                    + " RELATED,ESTABLISHED --ctproto " + pick(List.of("tcp", "udp")) + " --ctorigdstport "
                    + pick(PORTS) + " -j ACCEPT\n");
        }
        if (rnd.nextInt(4) == 0) {
            forward.add("-A FORWARD -i " + pick(BRIDGES) + " -o " + pick(IFACES) + " -j "
                    + pick(List.of("ACCEPT", "DROP", "REJECT")) + "\n");
        }
        if (rnd.nextInt(4) == 0) {
            forward.add("-A FORWARD -o " + pick(BRIDGES) + " -j ACCEPT\n");
        }
        if (rnd.nextInt(5) == 0) {
            forward.add("-A FORWARD -m conntrack --ctdir " + pick(List.of("REPLY", "ORIGINAL")) + " -j "
                    + pick(List.of("ACCEPT", "DROP")) + "\n");
        }
        if (rnd.nextInt(5) == 0) {
            forward.add("-A FORWARD -p " + pick(List.of("tcp", "udp")) + " -m conntrack --ctorigdstport "
                    + pick(PORTS) + " -j " + pick(List.of("ACCEPT", "DROP")) + "\n");
        }
        java.util.Collections.shuffle(forward, rnd);
        forward.forEach(b::append);
        b.append("COMMIT\n");
        if (rnd.nextBoolean()) {
            b.append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
            int n = 1 + rnd.nextInt(2);
            for (int i = 0; i < n; i++) {
                b.append("-A PREROUTING -p ").append(rnd.nextBoolean() ? "tcp -m tcp" : "udp -m udp").append(" --dport ")
                        .append(pick(PORTS)).append(" -j DNAT --to-destination ").append(pick(MEMBERS)).append(':')
                        .append(pick(PORTS)).append('\n');
            }
            b.append("COMMIT\n");
        }
        return b.toString();
    }

    private static String bridgeOf(String member) {
        return member.startsWith("10.88.") ? "cni0" : member.startsWith("10.89.") ? "podman1" : "docker0";
    }

    private String table(String name, String family) {
        StringBuilder b = new StringBuilder("table ").append(family).append(' ').append(name).append(" {\n");
        b.append("  set srcs {\n    type ipv4_addr\n    flags interval\n    elements = { ")
                .append(pick(List.of("8.8.4.4, 203.0.113.0/24", "45.33.32.156, 100.64.0.0/16", "192.0.2.55, 8.8.0.0/16")))
                .append(" }\n  }\n");
        List<Integer> two = two(PORTS);
        b.append("  set pairs {\n    type ipv4_addr . inet_service\n    elements = { ").append(pick(MEMBERS)).append(" . ")
                .append(two.get(0)).append(", ").append(pick(MEMBERS)).append(" . ").append(two.get(1)).append(" }\n  }\n");
        b.append("  chain sub {\n");
        int subRules = 1 + rnd.nextInt(3);
        for (int i = 0; i < subRules; i++) {
            b.append("    ").append(conditions("forward", 1)).append(pick(List.of("accept", "drop", "return",
                    "meta mark set 0x1", "ct mark set 0x2"))).append('\n');
        }
        b.append("  }\n");
        int chains = 1 + rnd.nextInt(3);
        for (int i = 0; i < chains; i++) {
            String kind = pick(List.of("pre", "nat", "fwd", "fwd", "in"));
            b.append(chain(kind, "c" + i, family));
        }
        return b.append("}\n").toString();
    }

    private String chain(String kind, String name, String family) {
        String hook = switch (kind) {
            case "pre", "nat" -> "prerouting";
            case "fwd" -> "forward";
            default -> "input";
        };
        int prio = switch (kind) {
            case "pre" -> pick(List.of(-300, -150, -100, 0));
            case "nat" -> pick(List.of(-110, -100, -90));
            case "fwd" -> pick(List.of(-10, 0, 0, 10));
            default -> pick(List.of(0, 10));
        };
        String type = kind.equals("nat") ? "nat" : "filter";
        String policy = !kind.equals("nat") && rnd.nextInt(4) == 0 ? "drop" : "accept";
        StringBuilder b = new StringBuilder("  chain ").append(name).append(" {\n    type ").append(type).append(" hook ")
                .append(hook).append(" priority ").append(prio).append("; policy ").append(policy).append(";\n");
        if (kind.equals("fwd") && rnd.nextInt(3) == 0) {
            b.append("    ct state established,related accept\n");
        }
        int rules = rnd.nextInt(5);
        for (int i = 0; i < rules; i++) {
            b.append("    ");
            if (kind.equals("nat")) {
                String ip = family.equals("inet") ? "ip " : "";
                if (rnd.nextInt(3) == 0) {
                    List<Integer> keys = two(PORTS);
                    b.append("fib daddr type local dnat ").append(ip).append("to tcp dport map { ").append(keys.get(0))
                            .append(" : ").append(pick(MEMBERS)).append(", ").append(keys.get(1)).append(" : ")
                            .append(pick(MEMBERS)).append(" }");
                } else {
                    b.append(rnd.nextBoolean() ? "fib daddr type local " : "").append(pick(List.of("tcp", "udp")))
                            .append(" dport ").append(pick(PORTS)).append(" dnat ").append(ip).append("to ")
                            .append(pick(MEMBERS)).append(':').append(pick(PORTS));
                }
            } else {
                b.append(conditions(hook, rnd.nextInt(3))).append(verdict(hook));
            }
            b.append('\n');
        }
        return b.append("  }\n").toString();
    }

    private String conditions(String hook, int n) {
        StringBuilder b = new StringBuilder();
        boolean l4 = false;
        for (int i = 0; i < n; i++) {
            List<Integer> two = two(PORTS);
            List<String> l4options = List.of(
                    "tcp dport " + pick(PORTS) + " ",
                    "th dport { " + two.get(0) + ", " + two.get(1) + " } ",
                    "tcp dport " + pick(List.of("1-1024", "8000-8999")) + " ",
                    "meta l4proto udp ",
                    "meta l4proto tcp ct original proto-dst " + pick(PORTS) + " ");
            if (!l4 && rnd.nextInt(3) == 0) {
                String o = pick(hook.equals("prerouting") ? l4options.subList(0, 4) : l4options);
                l4 = true;
                b.append(o);
                continue;
            }
            List<String> options = new ArrayList<>(List.of(
                    "ip saddr " + pick(SOURCES) + " ",
                    "ip saddr @srcs ",
                    "ip saddr != " + pick(List.of("203.0.113.0/24", "100.64.0.0/16")) + " ",
                    "ip daddr " + pick(hook.equals("prerouting") ? HOST : MEMBERS) + " ",
                    "iifname \"" + pick(List.of("eth*", "eth1", "ens3", "cni0", "podman1", "docker0")) + "\" ",
                    "ip saddr " + pick(MEMBERS) + " ",
                    "ct direction " + pick(List.of("reply", "original")) + " ",
                    "ct state " + pick(List.of("new", "established", "new,established")) + " ",
                    "iifname != \"" + pick(IFACES) + "\" ",
                    "ct state new ",
                    "ct state established,related ",
                    "meta mark 0x1 ",
                    "ct mark 0x2 ",
                    "meta mark & 0x1 == 0x1 "));
            if (!hook.equals("prerouting")) {
                options.add("ct status dnat ");
            }
            if (hook.equals("forward")) {
                options.add("oifname \"" + pick(List.of("cni0", "podman1", "docker0")) + "\" ");
                options.add("oifname \"" + pick(List.of("eth*", "eth0", "ens3")) + "\" ");
                options.add("iifname { \"cni0\", \"podman1\" } ");
                options.add("ct original ip daddr " + pick(HOST) + " ");
                options.add("ct reply ip saddr " + pick(MEMBERS) + " ");
            }
            if (!hook.equals("forward")) {
                options.add("fib daddr type local ");
            }
            b.append(pick(options));
        }
        return b.toString();
    }

    private String verdict(String hook) {
        List<Integer> vp = two(PORTS);
        List<String> vi = two(IFACES);
        List<String> v = new ArrayList<>(List.of("accept", "accept", "drop", "jump sub", "goto sub", "counter",
                "meta mark set 0x1", "ct mark set 0x2",
                "th dport vmap { " + vp.get(0) + " : accept, " + vp.get(1) + " : drop }",
                "iifname vmap { \"" + vi.get(0) + "\" : jump sub, \"" + vi.get(1) + "\" : drop }"));
        if (!hook.equals("prerouting")) {
            v.add("ip daddr . th dport @pairs accept");
        }
        if (!hook.equals("prerouting")) {
            v.add("reject");
        }
        return pick(v);
    }
}
