package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.model.Engine;
import io.cnifix.model.Network;
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

class NetworksReaderTest {

    private static Network only(List<Network> list) {
        assertEquals(1, list.size());
        return list.get(0);
    }

    @Test
    void podmanDefaultConflist() {
        Network n = only(NetworksReader.read(load("networks/87-podman-bridge.conflist")));
        assertEquals("podman", n.name());
        assertEquals(Engine.PODMAN, n.engine());
        assertEquals("cni", n.backend());
        assertEquals("cni-podman0", n.bridge());
        assertEquals("[10.88.0.0/16]", n.subnets().toString());
        assertEquals("[10.88.0.1]", n.gateways().toString());
        assertEquals(List.of("bridge", "portmap", "firewall", "tuning"), n.plugins());
        assertEquals("", n.firewallBackend());
        assertEquals("open", n.ingressPolicy());
        assertEquals("CNI-ADMIN", n.adminChain());
        assertFalse(n.internal());
        assertEquals("87-podman-bridge.conflist", n.source());
    }

    @Test
    void oldSubnetFormImpliesTheGateway() {
        Network n = only(NetworksReader.read(fixture("centos7-podman-cni/networks/87-podman-bridge.conflist")));
        assertEquals("cni0", n.bridge());
        assertEquals("[10.88.0.0/16]", n.subnets().toString());
        assertEquals("[10.88.0.1]", n.gateways().toString());
        assertEquals(List.of("bridge", "portmap", "firewall"), n.plugins());
    }

    @Test
    void isolatedInternalConflistWithAdminChain() {
        Network n = only(NetworksReader.read(load("networks/isolated.conflist")));
        assertEquals("cni-podman3", n.bridge());
        assertTrue(n.internal());
        assertEquals("iptables", n.firewallBackend());
        assertEquals("same-bridge", n.ingressPolicy());
        assertEquals("CNI-ADMIN-ISO", n.adminChain());
        assertEquals("[10.89.3.1]", n.gateways().toString());
    }

    @Test
    void singleConfDefaultsBridgeAndHasNoFirewall() {
        Network n = only(NetworksReader.read(load("networks/10-mynet.conf")));
        assertEquals("mynet", n.name());
        assertEquals("cni0", n.bridge());
        assertEquals(List.of("bridge"), n.plugins());
        assertNull(n.firewallBackend());
        assertNull(n.adminChain());
        // Neither gateway nor masquerade: the simple rule calls that internal.
        assertTrue(n.internal());
    }

    @Test
    void netavarkFileIsDualStack() {
        Network n = only(NetworksReader.read(load("networks/webnet.json")));
        assertEquals("netavark", n.backend());
        assertEquals("podman1", n.bridge());
        assertEquals("[10.89.0.0/24, fd8e:2c1a:77b0:4e31::/64]", n.subnets().toString());
        assertEquals("[10.89.0.1, fd8e:2c1a:77b0:4e31::1]", n.gateways().toString());
        assertTrue(n.plugins().isEmpty());
    }

    @Test
    void podmanNetworkInspectSkipsMacvlanAndTellsCniBridges() {
        List<Network> list = NetworksReader.read(load("networks/podman-network-inspect.json"));
        assertEquals(List.of("podman", "legacy"), list.stream().map(Network::name).toList());
        assertEquals("netavark", list.get(0).backend());
        assertEquals("cni", list.get(1).backend());
        assertTrue(list.get(1).internal());
    }

    @Test
    void dockerNetworkInspect() {
        List<Network> list = NetworksReader.read(load("networks/docker-network-inspect.json"));
        assertEquals(List.of("bridge", "shop_front", "vault"), list.stream().map(Network::name).toList());
        assertEquals("docker0", list.get(0).bridge());
        assertEquals("br-f2f2f2f2f2f2", list.get(1).bridge());
        assertEquals("br-vault", list.get(2).bridge());
        assertEquals("[172.20.0.0/16, fd5e:1a2b:3c4d::/64]", list.get(1).subnets().toString());
        assertTrue(list.get(2).internal());
        assertTrue(list.get(2).gateways().isEmpty());
        assertTrue(list.stream().allMatch(n -> n.engine() == Engine.DOCKER && n.backend().equals("docker")));
    }

    @Test
    void docker28FixtureNetwork() {
        Network n = only(NetworksReader.read(fixture("docker28/networks/docker-network-bridge.json")));
        assertEquals("docker0", n.bridge());
        assertEquals("[172.17.0.0/16]", n.subnets().toString());
        assertEquals("[172.17.0.1]", n.gateways().toString());
    }

    @Test
    void errors() {
        InputException e = fails(() -> NetworksReader.read(text("bad.conflist",
                "{\n  \"name\": \"x\",\n  \"plugins\": [\n    {\"type\": \"bridge\", \"ipam\": {\"subnet\": \"10.88.0.0/33\"}}\n  ]\n}")));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("\"10.88.0.0/33\" is not an address prefix"), e.getMessage());
        assertTrue(fails(() -> NetworksReader.read(text("x", "{\"plugins\": []}"))).getMessage()
                .contains("missing \"name\""));
        assertTrue(fails(() -> NetworksReader.read(text("x", "{\"name\":\"a\",\"plugins\":[{\"bridge\":\"b\"}]}")))
                .getMessage().contains("missing \"type\""));
        assertTrue(fails(() -> NetworksReader.read(text("x", "{\"hello\": 1}"))).getMessage()
                .startsWith("not a network definition"));
        assertTrue(fails(() -> NetworksReader.read(text("x", "{\"name\":\"a\",\"plugins\":[{\"type\":\"bridge\","
                + "\"isGateway\":\"yes\"}]}"))).getMessage().contains("expected true or false"));
        InputException syntax = fails(() -> NetworksReader.read(text("x", "{\n\"name\": \"a\"\n\"plugins\": []}")));
        assertEquals(3, syntax.line());
    }
}
