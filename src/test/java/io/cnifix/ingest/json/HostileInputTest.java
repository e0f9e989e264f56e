package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs chosen to break naive readers: each must give InputException or a result, quickly. */
class HostileInputTest {
    private static final List<String> INPUTS = List.of(
            "[".repeat(200_000),
            "[".repeat(100_000) + "]".repeat(100_000),
            "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000),
            "[{\"Id\":\"a\",\"Names\":[\"w\"],\"Ports\":[{\"host_port\":1e999999999,\"container_port\":80}]}]",
            "[{\"Id\":\"a\",\"Names\":[\"w\"],\"Ports\":[{\"host_port\":1,\"container_port\":1,\"range\":65535,"
                    + "\"protocol\":\"tcp,udp,sctp\"}]}]",
            "[{\"Id\":\"a\",\"NetworkSettings\":{\"IPAddress\":\".1:2\"}}]",
            "[{\"Id\":\"a\",\"NetworkSettings\":{\"IPAddress\":\"[]\",\"GlobalIPv6Address\":\"%:\"}}]",
            "[{\"Id\":\"a\",\"NetworkSettings\":{\"Ports\":{\"/tcp\":[],\"99999/tcp\":[]}}}]",
            "[{\"ifname\":\"x\",\"addr_info\":[{\"family\":\"inet6\",\"local\":\"::1\",\"prefixlen\":129}]}]",
            "[{\"dst\":\"1.2.3.4/255.0.255.0\"}]",
            "[{\"dst\":\"::/-1\"}]",
            "{\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/32\"}]]}}]}",
            "{\"kind\":\"cniCacheV1\",\"containerId\":\"a\",\"networkName\":\"n\",\"config\":\"W10=\"}",
            "\"\\ud800\"",
            "\u0000",
            "\uFEFF[]");

    private static void survive(Consumer<InputText> reader) {
        for (String s : INPUTS) {
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
                try {
                    reader.accept(new InputText("hostile", s));
                } catch (InputException e) {
                    assertFalse(e.oneLine().contains("\n"));
                }
            });
        }
    }

    @Test
    void portsReader() {
        survive(PortsReader::read);
    }

    @Test
    void networksReader() {
        survive(NetworksReader::read);
    }

    @Test
    void ipReader() {
        survive(IpJsonReader::addresses);
        survive(IpJsonReader::routes);
    }

    @Test
    void aHugeRangeIsExpandedWithinTheCap() {
        PortsReader.PortsDocument d = PortsReader.read(new InputText("x", INPUTS.get(4)));
        assertTrue(d.mappings().size() == 3 * 65535);
    }
}
