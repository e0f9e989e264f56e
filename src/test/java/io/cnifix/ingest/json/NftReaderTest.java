package io.cnifix.ingest.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.ingest.InputText;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftSet;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The typed nftables front end on real {@code nft -j list ruleset} output and on shapes it must survive. */
class NftReaderTest {

    private static List<NftTable> fixture(String name) throws Exception {
        Path p = Path.of("fixtures", name, "nft-ruleset.json");
        return NftReader.read(new InputText(p.toString(), Files.readString(p)));
    }

    private static NftTable table(List<NftTable> ts, String label) {
        return ts.stream().filter(t -> t.label().equals(label)).findFirst().orElseThrow(() -> new AssertionError(label));
    }

    @Test
    void firewalldsForwardChainIsTyped() throws Exception {
        NftTable fw = table(fixture("firewalld-netavark"), "inet firewalld");
        NftChain fwd = fw.chain("filter_FORWARD");
        assertEquals(new NftChain.Base("filter", "forward", 10, "accept"), fwd.base());
        NftRule dnat = fwd.rules().stream().filter(r -> r.text().equals("ct status dnat accept")).findFirst().orElseThrow();
        assertTrue(dnat.handle() > 0);
        NftStmt.Match m = assertInstanceOf(NftStmt.Match.class, dnat.statements().get(0));
        assertEquals(new NftExpr.Ct("status", null, null), m.left());
        assertEquals("reject with icmpx admin-prohibited", fwd.rules().get(fwd.rules().size() - 1).text());
        assertFalse(fw.chains().stream().flatMap(c -> c.rules().stream()).anyMatch(NftRule::hasUnknown),
                "firewalld 1.3's table holds nothing the reader does not know");
    }

    @Test
    void dockers29VerdictMapsAndDnatAreTyped() throws Exception {
        NftTable d = table(fixture("docker29-nft-drop"), "ip docker-bridges");
        NftSet map = d.set("filter-forward-in-jumps");
        assertNotNull(map);
        assertEquals("verdict", map.dataType());
        NftExpr.Mapping e = assertInstanceOf(NftExpr.Mapping.class, map.elements().get(0));
        assertInstanceOf(NftExpr.VerdictData.class, e.data());
        NftStmt.VMap vmap = assertInstanceOf(NftStmt.VMap.class, d.chain("filter-FORWARD").rules().get(0).statements().get(0));
        assertEquals(new NftExpr.SetRef("filter-forward-in-jumps"), vmap.map());
        assertTrue(d.chain("nat-prerouting-and-output").rules().stream().flatMap(r -> r.statements().stream())
                .anyMatch(s -> s instanceof NftStmt.Nat n && n.kind().equals("dnat") && n.address() != null && n.port() != null));
        assertEquals(-300, d.chain("raw-PREROUTING").base().priority());
    }

    @Test
    void iptablesNftTablesShowTheirXtExpressions() throws Exception {
        NftTable filter = table(fixture("firewalld-podman-cni"), "ip filter");
        assertTrue(filter.iptablesName());
    }

    @Test
    void netavarkMarksAndMasqueradeAreTyped() throws Exception {
        NftTable n = table(fixture("netavark-nft-drop"), "inet netavark");
        assertTrue(n.chains().stream().flatMap(c -> c.rules().stream()).flatMap(r -> r.statements().stream())
                .anyMatch(s -> s instanceof NftStmt.SetMark sm && !sm.ct()));
        assertTrue(n.chains().stream().flatMap(c -> c.rules().stream()).flatMap(r -> r.statements().stream())
                .anyMatch(s -> s instanceof NftStmt.Match m && m.left() instanceof NftExpr.Binop));
        assertFalse(n.chains().stream().flatMap(c -> c.rules().stream()).anyMatch(NftRule::hasUnknown));
    }

    @Test
    void missingFieldsAndUnknownExpressionsNeverCrash() {
        String json = """
                {"nftables": [
                  {"table": {"family": "inet"}},
                  {"chain": {"family": "inet", "table": "x", "name": "c", "hook": "forward", "prio": "filter + 5"}},
                  {"rule": {"family": "inet", "table": "x", "chain": "c", "expr": [
                    {"match": {"op": "==", "left": {"osf": {"key": "name"}}, "right": "Linux"}},
                    {"synproxy": {"mss": 1460}},
                    {"match": {"left": {"meta": {"key": "iifname"}}, "right": "eth0"}},
                    {"accept": null}, 7, null]}},
                  {"rule": {"table": "y"}},
                  {"set": {"family": "inet", "table": "x", "name": "s", "type": ["ipv4_addr", "inet_service"],
                           "elem": [{"concat": ["10.0.0.1", 80]}, {"elem": {"val": {"prefix": {"addr": "10.1.0.0", "len": 16}}}}]}},
                  "garbage"
                ]}""";
        List<NftTable> ts = NftReader.read(new InputText("t", json));
        NftTable x = ts.stream().filter(t -> t.name().equals("x")).findFirst().orElseThrow();
        assertEquals(5, x.chain("c").base().priority());
        NftRule r = x.chain("c").rules().get(0);
        assertTrue(r.hasUnknown());
        assertInstanceOf(NftExpr.Unknown.class, ((NftStmt.Match) r.statements().get(0)).left());
        assertInstanceOf(NftStmt.Unknown.class, r.statements().get(1));
        assertEquals("ipv4_addr . inet_service", x.set("s").keyType());
        assertInstanceOf(NftExpr.Concat.class, x.set("s").elements().get(0));
        assertInstanceOf(NftExpr.Prefix.class, x.set("s").elements().get(1));
    }

    @Test
    void deepNestingIsKeptAsUnknown() {
        String deep = "{\"&\": [".repeat(200) + "1" + ", 2]}".repeat(200);
        String json = "{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"match\": "
                + "{\"op\": \"==\", \"left\": " + deep + ", \"right\": 1}}]}}]}";
        NftRule r = NftReader.read(new InputText("t", json)).get(0).chain("c").rules().get(0);
        assertTrue(r.text().contains("nested too deep"), r.text());
    }
}
