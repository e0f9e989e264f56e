package io.cnifix.watch;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineFootprintTest {
    @Test
    void theCniJumpsOfARealHostWithoutPerContainerChains() throws Exception {
        Set<String> f = EngineFootprint.of(Files.readString(Path.of("fixtures/podman4-cni/iptables-save.txt")));
        assertTrue(f.contains("filter FORWARD -> CNI-FORWARD"), f.toString());
        assertTrue(f.contains("nat PREROUTING -> CNI-HOSTPORT-DNAT"), f.toString());
        assertTrue(f.stream().noneMatch(j -> j.matches(".*CNI-[0-9a-f]{8,}.*")), "per-container chains are left out: " + f);
    }

    @Test
    void netavarkAndNothingElse() {
        String save = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT\n"
                + "-A POSTROUTING -j NETAVARK-HOSTPORT-MASQ\n-A POSTROUTING -s 10.88.0.2/32 -j NETAVARK-1D8721804F16F\n"
                + "-A NETAVARK-HOSTPORT-DNAT -p tcp --dport 8080 -j NETAVARK-DN-1D8721804F16F\nCOMMIT\n"
                + "*filter\n-A FORWARD -m comment --comment \"netavark firewall plugin rules\" -j NETAVARK_FORWARD\n"
                + "-A FORWARD -j DOCKER-USER\n-A FORWARD -j ACCEPT\nCOMMIT\n";
        assertEquals(Set.of("nat PREROUTING -> NETAVARK-HOSTPORT-DNAT", "nat POSTROUTING -> NETAVARK-HOSTPORT-MASQ",
                "filter FORWARD -> NETAVARK_FORWARD"), EngineFootprint.of(save));
    }

    @Test
    void aFlushedRulesetHasNone() {
        assertEquals(Set.of(), EngineFootprint.of("*filter\n:FORWARD DROP [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"));
    }
}
