package io.cnifix.ingest.json;

import static io.cnifix.ingest.json.Resources.load;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/**
 * IPv6 binds as real Podman 4.3 with CNI wrote them (captured by scripts/e2e-ipv6.sh, ipv6-cni/): a dual-stack
 * network and ports published on every address, on [fd00:6e::1], on [::] and on [::1], read from podman ps and
 * the CNI result cache without any inspect.
 */
class PortReaderIpv6Test {
    private static final String DIR = "ipv6-cni/";
    private static final List<String> CACHES = List.of(
            "wv6net-1217d4625bac26feed6f4fd870d4343581fa8a00dad0ff997953e92124a50f58-eth0",
            "wv6net-28a798d1ecfcad8d07ffb9dd208e691a71759d4721d3b49986d875a782bea8ae-eth0",
            "wv6net-5cd426160ff55d29f74e4e1da161e15cf24e89af067f259a306b6a62d3f78cdc-eth0",
            "wv6net-72c64815c63edcb517eaa23bc18e21dffe963984506cf3ff5169256e3050779c-eth0");

    private static String summary(PortMapping m) {
        return m.containerName() + " " + (m.hostIp() == null ? "*" : m.hostIp()) + " " + m.hostPort() + " -> "
                + m.containerIp() + ":" + m.containerPort();
    }

    @Test
    void theCniCacheGivesEachBindItsFamily() {
        TreeSet<String> got = new TreeSet<>();
        for (String c : CACHES) {
            PortsReader.read(load(DIR + c)).mappings().forEach(m -> got.add(summary(m)));
        }
        assertEquals(new TreeSet<>(List.of(
                "web * 8080 -> 10.89.60.2:80", "web * 8080 -> fd00:89:60::2:80",
                "six fd00:6e::1 8086 -> fd00:89:60::3:80",
                "wild6 * 8088 -> fd00:89:60::4:80",
                "loop6 ::1 8087 -> fd00:89:60::5:80")), got);
    }

    @Test
    void podmanPsKeepsTheV6HostAddresses() {
        TreeSet<String> got = new TreeSet<>();
        PortsReader.read(load(DIR + "podman-ps.json")).mappings().forEach(m -> got.add(summary(m)));
        assertEquals(new TreeSet<>(List.of("web * 8080 -> null:80", "six fd00:6e::1 8086 -> null:80",
                "wild6 * 8088 -> null:80", "loop6 ::1 8087 -> null:80")), got);
    }

    /** ps and the cache together: the cache's addresses, one mapping per family the bind serves, none twice. */
    @Test
    void psAndTheCacheJoin() {
        List<InputText> ports = new ArrayList<>();
        ports.add(load(DIR + "podman-ps.json"));
        CACHES.forEach(c -> ports.add(load(DIR + c)));
        HostState h = HostStateBuilder.build(new StateSources(List.of(), ports, List.of(), List.of(), List.of(), List.of()));
        TreeSet<String> got = new TreeSet<>();
        h.mappings().forEach(m -> got.add(summary(m)));
        assertEquals(5, h.mappings().size(), got::toString);
        assertEquals(new TreeSet<>(List.of(
                "web * 8080 -> 10.89.60.2:80", "web * 8080 -> fd00:89:60::2:80",
                "six fd00:6e::1 8086 -> fd00:89:60::3:80",
                "wild6 * 8088 -> fd00:89:60::4:80",
                "loop6 ::1 8087 -> fd00:89:60::5:80")), got);
    }
}
