package io.cnifix.ingest;

import io.cnifix.ingest.json.PortsReader;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container's ports from its engine's DNAT rules, against what the engine itself says of the same container (its
 * inspect or CNI cache, captured beside the rules), for each engine shape. The texts under
 * src/test/resources/io/cnifix/ingest/engine-dnat are iptables-save -t nat as real Podman 4.3.1 wrote it on Debian 12,
 * in a namespace, for {@code podman run --label ... -p 8080:80 -p 127.0.0.1:8090:90/udp -p 9000-9001:9000-9001} (and
 * for netavark a second container, plain, -p 8081:80).
 */
class EngineDnatTest {
    private static final String RES = "src/test/resources/io/cnifix/ingest/engine-dnat/";

    private static List<InputText> dumps(String fixture) throws Exception {
        List<InputText> out = new ArrayList<>();
        for (String f : List.of("iptables-save.txt", "ip6tables-save.txt")) {
            Path p = Path.of("fixtures", fixture, f);
            if (Files.exists(p)) {
                out.add(new InputText(f, Files.readString(p)));
            }
        }
        return out;
    }

    private static InputText text(String name) throws Exception {
        return new InputText(name, Files.readString(Path.of(RES + name)));
    }

    private static Set<List<Object>> keys(List<PortMapping> ms) {
        Set<List<Object>> out = new HashSet<>();
        for (PortMapping m : ms) {
            out.add(java.util.Arrays.asList(m.protocol(), m.hostIp() == null ? null : m.hostIp().toString(), m.hostPort(),
                    m.containerIp() == null ? null : m.containerIp().toString(), m.containerPort()));
        }
        return out;
    }

    private static List<Object> key(String proto, String hostIp, int hostPort, String ctrIp, int ctrPort) {
        return java.util.Arrays.asList(proto, hostIp, hostPort, ctrIp, ctrPort);
    }

    @Test
    void netavarkIptablesFixturesGiveWhatInspectSays() throws Exception {
        int checked = 0;
        for (String fixture : List.of("podman-netavark", "firewalld-netavark", "firewalld-drop-netavark")) {
            InputText inspect = new InputText("inspect", Files.readString(Path.of("fixtures", fixture, "ports/podman-inspect.json")));
            PortsReader.PortsDocument doc = PortsReader.read(inspect);
            for (var c : doc.containers()) {
                List<PortMapping> want = doc.mappings().stream().filter(m -> m.containerId().equals(c.id()) && m.containerIp() != null).toList();
                EngineDnat.Found f = EngineDnat.of(c.id(), c.name(), dumps(fixture));
                assertNull(f.problem(), fixture + " " + c.name());
                assertEquals(keys(want), keys(f.mappings()), fixture + " " + c.name());
                assertTrue(f.mappings().stream().allMatch(m -> m.containerId().equals(c.id()) && m.containerName().equals(c.name())
                        && "podman".equals(m.network())), f.mappings().toString());
                checked++;
            }
        }
        assertEquals(9, checked);
    }

    @Test
    void cniFixturesGiveWhatTheCniCacheSays() throws Exception {
        int checked = 0;
        for (String fixture : List.of("podman4-cni", "admin-nft-podman-cni", "firewalld-podman-cni", "centos7-podman-cni")) {
            try (Stream<Path> files = Files.list(Path.of("fixtures", fixture, "ports/cni-results"))) {
                for (Path p : files.sorted().toList()) {
                    PortsReader.PortsDocument doc = PortsReader.read(new InputText(p.toString(), Files.readString(p)));
                    String id = doc.mappings().get(0).containerId();
                    EngineDnat.Found f = EngineDnat.of(id, "c", dumps(fixture));
                    assertNull(f.problem(), fixture + " " + p.getFileName());
                    assertEquals(keys(doc.mappings()), keys(f.mappings()), fixture + " " + p.getFileName());
                    checked++;
                }
            }
        }
        assertEquals(10, checked);
    }

    @Test
    void cniPortmapOfPodman43Multiport() throws Exception {
        String id = "01fdcaefa4f59e3a3fcedc547c8ef5af9105f8b6b46e3df12d74cf437d31407c";
        EngineDnat.Found f = EngineDnat.of(id, "web", List.of(text("cni-podman43.txt")));
        assertNull(f.problem());
        assertEquals(Set.of(key("tcp", null, 8080, "10.88.0.2", 80), key("tcp", null, 9000, "10.88.0.2", 9000),
                key("tcp", null, 9001, "10.88.0.2", 9001), key("udp", "127.0.0.1", 8090, "10.88.0.2", 90)), keys(f.mappings()));
        assertEquals("podman", f.mappings().get(0).network());
        // the event's short id finds it too
        assertEquals(keys(f.mappings()), keys(EngineDnat.of(id.substring(0, 12), "web", List.of(text("cni-podman43.txt"))).mappings()));
    }

    @Test
    void netavarkOfPodman43RangesAndASharedChain() throws Exception {
        InputText t = text("netavark14-podman43.txt");
        EngineDnat.Found web = EngineDnat.of("234fe35c4e49a143640127d25430c167ba1b6eb2ed216b467215b0033979e61c", "web", List.of(t));
        assertNull(web.problem());
        assertEquals(Set.of(key("tcp", null, 8080, "10.88.0.2", 80), key("tcp", null, 9000, "10.88.0.2", 9000),
                key("tcp", null, 9001, "10.88.0.2", 9001), key("udp", "127.0.0.1", 8090, "10.88.0.2", 90)), keys(web.mappings()));
        EngineDnat.Found plain = EngineDnat.of("4e1ced93003645cd93f40430dc2609a534f6f021c08d303af7100477ee48ed04", "plain", List.of(t));
        assertEquals(Set.of(key("tcp", null, 8081, "10.88.0.3", 80)), keys(plain.mappings()));
    }

    @Test
    void aShiftedRangeMapsEachPortFromItsBase() {
        String rules = """
                *nat
                -A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 9000:9002 -m comment --comment "dnat name: podman id: aaaaaaaaaaaa1111" -j NETAVARK-DN-X
                -A NETAVARK-DN-X -p tcp -m tcp --dport 9000:9002 -j DNAT --to-destination 10.88.0.5:80-82/9000
                COMMIT
                """;
        EngineDnat.Found f = EngineDnat.of("aaaaaaaaaaaa1111", "r", List.of(new InputText("iptables-save", rules)));
        assertEquals(Set.of(key("tcp", null, 9000, "10.88.0.5", 80), key("tcp", null, 9001, "10.88.0.5", 81),
                key("tcp", null, 9002, "10.88.0.5", 82)), keys(f.mappings()));
    }

    @Test
    void ipv6RulesGiveIpv6Mappings() {
        String rules = """
                *nat
                -A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "dnat name: podman id: bbbbbbbbbbbb2222" -j NETAVARK-DN-Y
                -A NETAVARK-DN-Y -d ::1/128 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::5]:80
                COMMIT
                """;
        EngineDnat.Found f = EngineDnat.of("bbbbbbbbbbbb2222", "v6", List.of(new InputText("ip6tables-save", rules)));
        assertEquals(Set.of(key("tcp", "::1", 8080, IpAddress.parse("fd00::5").toString(), 80)), keys(f.mappings()));
    }

    @Test
    void twoContainersBehindOneSharedRuleGiveNoAnswer() {
        // netavark: one DN chain per network; two containers publish 8080 on two host addresses, and the jumps do
        // not say which DNAT rule is whose
        String rules = """
                *nat
                -A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "dnat name: podman id: cccccccccccc0001" -j NETAVARK-DN-Z
                -A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "dnat name: podman id: cccccccccccc0002" -j NETAVARK-DN-Z
                -A NETAVARK-DN-Z -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80
                -A NETAVARK-DN-Z -d 127.0.0.2/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.3:80
                COMMIT
                """;
        EngineDnat.Found f = EngineDnat.of("cccccccccccc0001", "a", List.of(new InputText("iptables-save", rules)));
        assertTrue(f.mappings().isEmpty());
        assertTrue(f.problem().contains("shared"), f.problem());
        // one container alone in its chain owns both rules
        String alone = rules.lines().filter(l -> !l.contains("0002")).reduce("", (a, b) -> a + b + "\n");
        assertEquals(2, EngineDnat.of("cccccccccccc0001", "a", List.of(new InputText("iptables-save", alone))).mappings().size());
    }

    @Test
    void whatIsNotUnderstoodGivesNoAnswer() {
        String base = """
                *nat
                -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"podman\\" id: \\"dddddddddddd0001\\"" -m multiport --dports 8080 -j CNI-DN-1
                -A CNI-DN-1 %s -j DNAT --to-destination %s
                COMMIT
                """;
        String[][] cases = {
                {"! -d 127.0.0.1/32 -p tcp -m tcp --dport 8080", "10.88.0.2:80"},     // a negation
                {"-p tcp -m tcp --dport 8080", "10.88.0.2:80-90"},                   // a range without a base
                {"-s 192.0.2.0/24 -p tcp -m tcp --dport 8080", "10.88.0.2:80"},      // for some sources only
                {"-d 10.0.0.0/8 -p tcp -m tcp --dport 8080", "10.88.0.2:80"},        // a host network, not an address
                {"-p tcp -m tcp --dport 8081", "10.88.0.2:80"},                      // no rule for the jump's port
                {"-p tcp -m tcp --dport 8080", "not-an-address"},
                {"-p tcp -m tcp --dport 8080", "10.88.0.2:99999999999"},            // past any number
                {"-p tcp -m tcp --dport 8080 -m comment --comment \"open", "10.88.0.2:80"}, // a quote left open
        };
        for (String[] c : cases) {
            EngineDnat.Found f = EngineDnat.of("dddddddddddd0001", "x", List.of(new InputText("iptables-save", base.formatted(c[0], c[1]))));
            assertTrue(f.mappings().isEmpty(), c[0] + " " + c[1] + ": " + f.mappings());
            assertNotNull(f.problem());
        }
        // the same rule, plain: understood; no port in the target keeps the host port
        EngineDnat.Found ok = EngineDnat.of("dddddddddddd0001", "x", List.of(new InputText("iptables-save",
                base.formatted("-p tcp -m tcp --dport 8080", "10.88.0.2"))));
        assertEquals(Set.of(key("tcp", null, 8080, "10.88.0.2", 8080)), keys(ok.mappings()));
    }

    @Test
    void noRuleNamesTheContainerOnTheNftDriverOrForAnotherId() throws Exception {
        // netavark's nftables driver: the iptables side has no engine rules, and its nft rules carry no id
        EngineDnat.Found f = EngineDnat.of("0750e402b589fb838dbebc5f65ab26e0157a03e0012bd411d619310c50dae022", "multi",
                dumps("netavark-nft-drop"));
        assertTrue(f.mappings().isEmpty());
        assertNotNull(f.problem());
        assertTrue(EngineDnat.of("ffffffffffff", "x", dumps("podman-netavark")).mappings().isEmpty());
        assertTrue(EngineDnat.of("abc", "x", dumps("podman-netavark")).mappings().isEmpty(), "too short an id matches nothing");
        // rules in another table than nat are not the engine's DNAT
        assertTrue(EngineDnat.of("dddddddddddd0001", "x", List.of(new InputText("iptables-save", """
                *filter
                -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: podman id: dddddddddddd0001" -m multiport --dports 8080 -j CNI-DN-1
                -A CNI-DN-1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80
                COMMIT
                """))).mappings().isEmpty());
    }
}
