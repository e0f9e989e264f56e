package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.model.Container;
import io.cnifix.model.Engine;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.cnifix.ingest.json.Resources.fails;
import static io.cnifix.ingest.json.Resources.fixture;
import static io.cnifix.ingest.json.Resources.load;
import static io.cnifix.ingest.json.Resources.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortsReaderTest {
    private static final IpAddress LOCALHOST = IpAddress.parse("127.0.0.1");

    private static String summary(PortMapping m) {
        return m.containerName() + " " + m.network() + " " + m.protocol() + " "
                + (m.hostIp() == null ? "*" : m.hostIp()) + ":" + m.hostPort() + " -> "
                + (m.containerIp() == null ? "?" : m.containerIp()) + ":" + m.containerPort();
    }

    private static List<String> summaries(PortsReader.PortsDocument d) {
        return d.mappings().stream().map(PortsReaderTest::summary).toList();
    }

    @Test
    void podmanPsExpandsRangesAndProtocolLists() {
        PortsReader.PortsDocument d = PortsReader.read(load("ports/podman-ps.json"));
        assertEquals(List.of(
                "web podman tcp *:8080 -> ?:80",
                "web podman tcp 127.0.0.1:19000 -> ?:9000",
                "web podman tcp 127.0.0.1:19001 -> ?:9001",
                "web podman tcp 127.0.0.1:19002 -> ?:9002",
                "dns null tcp *:5353 -> ?:53",
                "dns null udp *:5353 -> ?:53"), summaries(d));
        assertEquals(List.of("web", "dns", "idle"), d.containers().stream().map(Container::name).toList());
        assertEquals(List.of("podman", "backend"), d.containers().get(1).networks());
        PortMapping first = d.mappings().get(0);
        assertEquals(Engine.PODMAN, first.engine());
        assertEquals("8fd7accef563107a4971be4f1058880d45f0f9d5ff89a773f4a77f65fb91441b", first.containerId());
        assertEquals("podman-ps.json", first.source());
        assertTrue(d.networks().isEmpty());
    }

    @Test
    void podmanInspectPublishesOnEveryNetworkAndFamily() {
        PortsReader.PortsDocument d = PortsReader.read(load("ports/podman-inspect.json"));
        assertEquals(List.of(
                "web podman tcp *:8080 -> 10.88.0.2:80",
                "web podman tcp 127.0.0.1:19000 -> 10.88.0.2:9000",
                "web podman tcp 127.0.0.1:19001 -> 10.88.0.2:9001",
                "web podman tcp 127.0.0.1:19002 -> 10.88.0.2:9002",
                "dns backend tcp *:5353 -> 10.89.0.3:53",
                "dns backend tcp *:5353 -> fd00:89::3:53",
                "dns podman tcp *:5353 -> 10.88.0.3:53",
                "dns backend udp *:5353 -> 10.89.0.3:53",
                "dns backend udp *:5353 -> fd00:89::3:53",
                "dns podman udp *:5353 -> 10.88.0.3:53"), summaries(d));
        Container web = d.containers().get(0);
        assertEquals("bridge", web.networkMode());
        assertFalse(web.rootless());
        assertEquals(LOCALHOST, d.mappings().get(1).hostIp());
    }

    @Test
    void rootlessPodmanHasNoAddressAndIsMarked() {
        PortsReader.PortsDocument d = PortsReader.read(load("ports/podman-inspect-rootless.json"));
        assertEquals(List.of("rootless-web null tcp *:8081 -> ?:80", "pasta-web null tcp *:8083 -> ?:80"), summaries(d));
        assertEquals(List.of("slirp4netns", "pasta"), d.containers().stream().map(Container::networkMode).toList());
        assertTrue(d.containers().stream().allMatch(Container::rootless));
    }

    @Test
    void docker28FixtureSkipsProxyOnlyIpv6Bindings() {
        PortsReader.PortsDocument d = PortsReader.read(fixture("docker28/ports/docker-inspect.json"));
        assertEquals(List.of(
                "web bridge tcp *:8080 -> 172.17.0.2:80",
                "dns bridge udp *:5353 -> 172.17.0.3:53",
                "local bridge tcp 127.0.0.1:8082 -> 172.17.0.4:80"), summaries(d));
        assertTrue(d.mappings().stream().allMatch(m -> m.engine() == Engine.DOCKER));
        assertEquals(List.of("bridge"), d.containers().get(0).networks());
    }

    @Test
    void docker29UsesTheGatewayEndpointAndIpv6() {
        PortsReader.PortsDocument d = PortsReader.read(load("ports/docker29-inspect.json"));
        assertEquals(List.of(
                "shop-web-1 shop_front tcp *:8443 -> 172.20.0.2:443",
                "shop-web-1 shop_front tcp *:8443 -> fd5e:1a2b:3c4d::2:443",
                "shop-web-1 shop_front tcp *:8080 -> 172.20.0.2:80",
                "shop-web-1 shop_front tcp *:8080 -> fd5e:1a2b:3c4d::2:80"), summaries(d));
        assertEquals(List.of("shop_back", "shop_front"), d.containers().get(0).networks());
    }

    @Test
    void routedModeBindingWithoutHostPortIsSkipped() {
        PortsReader.PortsDocument d = PortsReader.read(load("ports/docker28-inspect-routed-v6.json"));
        assertEquals(List.of("routed r6 tcp *:8080 -> 192.0.2.10:80"), summaries(d));
    }

    @Test
    void cniCacheFixtureGivesContainerMappingAndNetwork() {
        PortsReader.PortsDocument d = PortsReader.read(fixture("centos7-podman-cni/ports/cni-results/"
                + "podman-66d8b89bb6610d44c6d60d6d73c8a963822b44d7aeae1624771821f654625651-eth0"));
        assertEquals(List.of("web podman tcp *:8080 -> 10.88.0.11:80"), summaries(d));
        Network n = d.networks().get(0);
        assertEquals("podman", n.name());
        assertEquals("cni0", n.bridge());
        assertEquals("cni", n.backend());
        assertEquals("[10.88.0.0/16]", n.subnets().toString());
        assertEquals("[10.88.0.1]", n.gateways().toString());
        assertEquals(List.of("bridge", "portmap", "firewall"), n.plugins());
        assertEquals("", n.firewallBackend());
        assertEquals("CNI-ADMIN", n.adminChain());
        assertFalse(n.internal());
    }

    @Test
    void dualStackCacheFollowsPortmapFamilyRules() {
        PortsReader.PortsDocument d = PortsReader.read(
                load("ports/dual-4b8d2f6a0c4e8b2d6f0a4c8e2b6d0f4a8c2e6b0d4f8a2c6e0b4d8f2a6c0e4b8d-eth0"));
        assertEquals(List.of(
                "api dual tcp *:8080 -> 10.89.2.7:8080",
                "api dual tcp *:8080 -> fd00:89:2::7:8080",
                "api dual udp 192.168.1.20:9090 -> 10.89.2.7:90",
                "api dual tcp *:9191 -> fd00:89:2::7:91"), summaries(d));
        Network n = d.networks().get(0);
        assertEquals("cni-podman2", n.bridge());
        assertEquals("[10.89.2.0/24, fd00:89:2::/64]", n.subnets().toString());
    }

    @Test
    void cacheWithoutConfigOrPodNameFallsBackToShortIdAndResult() {
        PortsReader.PortsDocument d = PortsReader.read(
                load("ports/podman-9e7c5a3b1d0f2e4c6a8b0d2f4e6c8a0b2d4f6e8c0a2b4d6f8e0c2a4b6d8f0e2c-eth0"));
        assertEquals(List.of("9e7c5a3b1d0f podman tcp *:2222 -> 10.88.0.9:22"), summaries(d));
        Network n = d.networks().get(0);
        assertEquals("cni-podman0", n.bridge());
        assertEquals("[10.88.0.0/16]", n.subnets().toString());
        assertTrue(n.plugins().isEmpty());
    }

    @Test
    void emptyArrayIsNoContainers() {
        PortsReader.PortsDocument d = PortsReader.read(text("ps.json", "[]\n"));
        assertTrue(d.containers().isEmpty() && d.mappings().isEmpty());
    }

    @Test
    void malformedJsonReportsTheLine() {
        InputException e = fails(() -> PortsReader.read(text("ps.json",
                "[\n  {\n    \"Id\": \"abc\",\n    \"Names\": [\"web\"\n  }\n]\n")));
        assertEquals(5, e.line());
        assertTrue(e.getMessage().startsWith("malformed JSON"), e.getMessage());
        assertTrue(e.oneLine().startsWith("ps.json:5: malformed JSON"), e.oneLine());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void truncatedJsonSaysSo() {
        InputException e = fails(() -> PortsReader.read(text("ps.json", "[{\"Id\": \"abc\",")));
        assertTrue(e.getMessage().contains("end of input"), e.getMessage());
        assertEquals(1, e.line());
    }

    @Test
    void nonNumericHostPortIsAShapeErrorWithItsLine() {
        InputException e = fails(() -> PortsReader.read(text("inspect.json", """
                [
                  {
                    "Id": "0123456789abcdef",
                    "Name": "/web",
                    "HostConfig": {"NetworkMode": "bridge"},
                    "NetworkSettings": {
                      "Ports": {
                        "80/tcp": [
                          {"HostIp": "0.0.0.0", "HostPort": "abc"}
                        ]
                      }
                    }
                  }
                ]
                """)));
        assertEquals(9, e.line());
        assertTrue(e.getMessage().contains("HostPort") && e.getMessage().contains("\"abc\""), e.getMessage());
    }

    @Test
    void portOutOfRange() {
        InputException e = fails(() -> PortsReader.read(text("ps.json",
                "[{\"Id\": \"a\", \"Names\": [\"w\"], \"Ports\": [{\"host_ip\": \"\", \"container_port\": 80,"
                        + " \"host_port\": 70000, \"range\": 1, \"protocol\": \"tcp\"}]}]")));
        assertTrue(e.getMessage().contains("70000 is out of range"), e.getMessage());
    }

    @Test
    void rangeRunningPastTheLastPort() {
        InputException e = fails(() -> PortsReader.read(text("ps.json",
                "[{\"Id\": \"a\", \"Names\": [\"w\"], \"Ports\": [{\"host_ip\": \"\", \"container_port\": 80,"
                        + " \"host_port\": 65530, \"range\": 10, \"protocol\": \"tcp\"}]}]")));
        assertTrue(e.getMessage().contains("past port 65535"), e.getMessage());
    }

    @Test
    void unknownProtocol() {
        InputException e = fails(() -> PortsReader.read(text("ps.json",
                "[{\"Id\": \"a\", \"Names\": [\"w\"], \"Ports\": [{\"host_ip\": \"\", \"container_port\": 80,"
                        + " \"host_port\": 80, \"range\": 1, \"protocol\": \"tcp,icmp\"}]}]")));
        assertTrue(e.getMessage().contains("unknown protocol \"icmp\""), e.getMessage());
    }

    @Test
    void unknownDocumentKind() {
        InputException e = fails(() -> PortsReader.read(text("cache", "{\"kind\": \"cniCacheV2\"}")));
        assertTrue(e.getMessage().contains("unknown document kind \"cniCacheV2\""), e.getMessage());
        assertEquals(1, e.line());
    }

    @Test
    void wrongShapes() {
        assertTrue(fails(() -> PortsReader.read(text("x", "42"))).getMessage().startsWith("not a ports document"));
        assertTrue(fails(() -> PortsReader.read(text("x", "[\"web\"]"))).getMessage()
                .contains("expected an object, found a string"));
        assertTrue(fails(() -> PortsReader.read(text("x", "[{\"Id\": \"a\"}]"))).getMessage()
                .startsWith("not a container"));
        assertTrue(fails(() -> PortsReader.read(text("x", ""))).getMessage().startsWith("empty input"));
        assertTrue(fails(() -> PortsReader.read(text("x", "[] []"))).getMessage().contains("after the end"));
        assertTrue(fails(() -> PortsReader.read(text("x",
                "[{\"ID\":\"a\",\"Names\":\"web\",\"Ports\":\"0.0.0.0:8080->80/tcp\"}]"))).getMessage()
                .contains("docker ps"));
        assertTrue(fails(() -> PortsReader.read(load("networks/docker-network-inspect.json"))).getMessage()
                .contains("network definition"));
    }

    @Test
    void badValuesInsideInspect() {
        assertTrue(fails(() -> PortsReader.read(text("x", "[{\"Id\":\"a\",\"OCIRuntime\":\"crun\","
                + "\"NetworkSettings\":{\"IPAddress\":\"10.88.0.300\"}}]"))).getMessage()
                .contains("\"10.88.0.300\" is not an IP address"));
        assertTrue(fails(() -> PortsReader.read(text("x", "[{\"Id\":\"a\",\"NetworkSettings\":"
                + "{\"Ports\":{\"http/tcp\":[]}}}]"))).getMessage().contains("\"http/tcp\""));
        assertTrue(fails(() -> PortsReader.read(text("x", "{\"kind\":\"cniCacheV1\",\"containerId\":\"a\","
                + "\"networkName\":\"n\",\"config\":\"%%%\"}"))).getMessage().contains("not base64"));
    }

    @Test
    void cacheConfigErrorsNameTheEmbeddedConflist() {
        String b64 = java.util.Base64.getEncoder().encodeToString("{\n \"name\": \"x\",\n \"plugins\": 7\n}".getBytes());
        InputException e = fails(() -> PortsReader.read(text("cache", "{\"kind\":\"cniCacheV1\",\"containerId\":\"a\","
                + "\"networkName\":\"n\",\"config\":\"" + b64 + "\"}")));
        assertEquals("cache (config)", e.file());
        assertEquals(3, e.line());
    }

    @Test
    void hostIpZeroMeansAllAndNullMeansUnpublished() {
        PortsReader.PortsDocument d = PortsReader.read(text("x", "[{\"Id\":\"a\",\"Name\":\"/w\",\"NetworkSettings\":"
                + "{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"80\"}],\"81/tcp\":null},"
                + "\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.9\"}}}}]"));
        assertEquals(1, d.mappings().size());
        assertNull(d.mappings().get(0).hostIp());
    }

    @Test
    void oldCniResultShapeWithIp4() {
        PortsReader.PortsDocument d = PortsReader.read(text("cache", "{\"kind\":\"cniCacheV1\",\"containerId\":"
                + "\"0123456789abcdef0123\",\"networkName\":\"old\",\"capabilityArgs\":{\"portMappings\":"
                + "[{\"hostPort\":80,\"containerPort\":8080,\"protocol\":\"TCP\"}]},\"result\":{\"cniVersion\":"
                + "\"0.2.0\",\"ip4\":{\"ip\":\"10.22.0.5/16\",\"gateway\":\"10.22.0.1\"}}}"));
        assertEquals(List.of("0123456789ab old tcp *:80 -> 10.22.0.5:8080"), summaries(d));
        assertNull(d.networks().get(0).bridge());
        assertEquals("[10.22.0.0/16]", d.networks().get(0).subnets().toString());
    }

    @Test
    void malformedCniArgs() {
        assertTrue(fails(() -> PortsReader.read(text("cache", "{\"kind\":\"cniCacheV1\",\"containerId\":\"a\","
                + "\"networkName\":\"n\",\"cniArgs\":[[\"K8S_POD_NAME\"]]}"))).getMessage().contains("[name, value]"));
    }
}
