package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.Route;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.cnifix.ingest.json.Resources.fails;
import static io.cnifix.ingest.json.Resources.fixture;
import static io.cnifix.ingest.json.Resources.load;
import static io.cnifix.ingest.json.Resources.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpJsonReaderTest {

    private static List<String> show(List<HostAddress> list) {
        return list.stream().map(a -> a.iface() + " " + a.address() + "/" + a.prefix()).toList();
    }

    private static String show(Route r) {
        return r.type() + " " + r.destination() + " dev " + r.device() + " via " + r.gateway() + " metric " + r.metric()
                + " table " + r.table();
    }

    @Test
    void addressesOfTheCniHost() {
        List<HostAddress> a = IpJsonReader.addresses(load("ip/ip-address-cni.json"));
        assertEquals(List.of("lo 127.0.0.1/8", "lo ::1/128", "eth0 172.31.80.10/20", "eth0 fe80::c3a:91ff:fe5c:d247/64",
                "cni0 10.88.0.1/16", "cni0 fe80::9c41:bff:fe6d:c318/64", "veth5f3c9a2e fe80::68f2:1dff:fe84:9b30/64"),
                show(a));
    }

    @Test
    void dualStackAddresses() {
        List<String> a = show(IpJsonReader.addresses(load("ip/ip-address-dual.json")));
        assertTrue(a.contains("eth0 2001:db8:1::7/64"), a.toString());
        assertTrue(a.contains("podman0 fd00:88::1/64"), a.toString());
        assertTrue(a.contains("eth1 203.0.113.7/24"), a.toString());
    }

    @Test
    void fixtureRoutes() {
        List<Route> r = IpJsonReader.routes(fixture("centos7-podman-cni/ip-route.json"));
        assertEquals("unicast 0.0.0.0/0 dev eth0 via 172.31.80.1 metric 0 table main", show(r.get(0)));
        assertEquals("unicast 169.254.0.0/16 dev eth0 via null metric 1002 table main", show(r.get(2)));
        assertEquals(3, IpJsonReader.addresses(fixture("docker28/ip-address.json")).stream()
                .filter(a -> a.address().isV4()).count());
    }

    @Test
    void multipathBlackholeAndForeignFamilyNextHop() {
        List<Route> r = IpJsonReader.routes(load("ip/ip-route-multipath.json"));
        assertEquals("unicast 0.0.0.0/0 dev eth0 via 198.51.100.1 metric 50 table main", show(r.get(0)));
        assertEquals("unicast 10.77.0.0/16 dev eth0 via fe80::2 metric 0 table main", show(r.get(1)));
        assertEquals("blackhole 192.0.2.0/24 dev null via null metric 0 table main", show(r.get(3)));
        assertEquals("unreachable 192.0.2.128/25 dev null via null metric 5 table main", show(r.get(4)));
    }

    @Test
    void ipv6DefaultRouteFamilyComesFromTheGateway() {
        List<Route> r = IpJsonReader.routes(load("ip/ip6-route.json"));
        Route last = r.get(r.size() - 1);
        assertEquals("unicast ::/0 dev eth0 via fe80::1 metric 1024 table main", show(last));
        Route noGateway = IpJsonReader.routes(text("r", "[{\"dst\":\"fe80::/64\",\"dev\":\"eth0\"},"
                + "{\"dst\":\"default\",\"dev\":\"ppp0\"}]")).get(1);
        assertEquals(Family.V6, noGateway.destination().family());
        assertEquals(Family.V6, IpJsonReader.routes(text("r", "[{\"dst\":\"default\",\"dev\":\"wg0\"}]"), Family.V6)
                .get(0).destination().family());
        assertEquals(Family.V4, IpJsonReader.routes(text("r", "[{\"dst\":\"default\",\"dev\":\"wg0\"}]"))
                .get(0).destination().family());
    }

    @Test
    void tableAllMixesFamiliesAndTables() {
        List<Route> r = IpJsonReader.routes(load("ip/ip-route-table-all.json"));
        assertTrue(r.stream().anyMatch(x -> x.table().equals("100") && x.destination().toString().equals("10.99.0.0/16")));
        assertTrue(r.stream().anyMatch(x -> x.type().equals("local") && x.table().equals("local")
                && x.destination().toString().equals("127.0.0.0/8")));
        assertTrue(r.stream().anyMatch(x -> x.type().equals("multicast") && x.destination().toString().equals("ff00::/8")));
        Route local = r.stream().filter(x -> x.destination().toString().equals("198.51.100.7/32")).findFirst().orElseThrow();
        assertNull(local.gateway());
    }

    @Test
    void errors() {
        InputException e = fails(() -> IpJsonReader.addresses(text("a", "[{\"ifname\":\"eth0\",\"addr_info\":"
                + "[{\"family\":\"inet\",\"local\":\"10.0.0.1\",\"prefixlen\":40}]}]")));
        assertTrue(e.getMessage().contains("40 is out of range (0 to 32)"), e.getMessage());
        assertTrue(fails(() -> IpJsonReader.addresses(text("a", "[{\"ifname\":\"eth0\",\"addr_info\":"
                + "[{\"family\":\"inet\",\"local\":\"fe80::1\",\"prefixlen\":64}]}]"))).getMessage()
                .contains("not of family inet"));
        assertTrue(fails(() -> IpJsonReader.addresses(text("a", "{\"ifname\":\"eth0\"}"))).getMessage()
                .contains("expected an array"));
        assertTrue(fails(() -> IpJsonReader.routes(text("r", "[{\"dev\":\"eth0\"}]"))).getMessage()
                .contains("missing \"dst\""));
        assertTrue(fails(() -> IpJsonReader.routes(text("r", "[{\"dst\":\"10.0.0.0/8\",\"metric\":-1}]"))).getMessage()
                .contains("out of range"));
        assertEquals(2, fails(() -> IpJsonReader.routes(text("r", "[\n{\"dst\":\"nowhere\"}]"))).line());
        assertEquals(1, fails(() -> IpJsonReader.routes(text("r", "[{\"dst\":\"default\",}]"))).line());
    }
}
