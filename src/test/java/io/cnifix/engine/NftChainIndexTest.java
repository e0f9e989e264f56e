package io.cnifix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.model.HostAddress;
import io.cnifix.model.IpAddress;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.Test;

/**
 * A long nft chain (one rule per published port, as netavark writes it) is searched through its port index when
 * the caller speaks for one destination port; the outcome must be the one a full walk gives, for every port and
 * protocol, with guards that are single ports, sets, "th", guards after address tests (netavark's SETMARK rules:
 * {@code ip saddr 10.88.0.0/16 tcp dport N}; a prefix that holds the client, an address that does not, an ip6
 * address an IPv4 packet does not have), and rules without a guard between them.
 */
class NftChainIndexTest {
    private static final HostNet NET = new HostNet(List.of(new HostAddress("eth0", IpAddress.parse("198.51.100.1"), 24)),
            List.of(), List.of(), List.of(), List.of());

    @Test
    void indexedAndFullWalksAgree() {
        StringBuilder rules = new StringBuilder();
        int h = 10;
        List<String> items = new ArrayList<>();
        items.add("{\"table\": {\"family\": \"inet\", \"name\": \"v\"}}");
        items.add("{\"chain\": {\"family\": \"inet\", \"table\": \"v\", \"name\": \"pre\", \"type\": \"nat\", \"hook\": \"prerouting\", \"prio\": -100, \"policy\": \"accept\"}}");
        items.add("{\"chain\": {\"family\": \"inet\", \"table\": \"v\", \"name\": \"fwd\", \"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}}");
        items.add(rule(h++, "pre", "{\"jump\": {\"target\": \"dn\"}}"));
        for (int i = 0; i < 60; i++) {
            int port = 8000 + i;
            String proto = i % 3 == 0 ? "udp" : i % 3 == 1 ? "tcp" : "th";
            String right = i % 7 == 0 ? "{\"set\": [" + port + ", " + (port + 100) + "]}" : Integer.toString(port);
            String match = "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"" + proto + "\", \"field\": \"dport\"}}, \"right\": " + right + "}}";
            String[] before = {"", "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": {\"prefix\": {\"addr\": \"203.0.113.0\", \"len\": 24}}}}, ",
                    "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"127.0.0.1\"}}, ",
                    "{\"match\": {\"op\": \"!=\", \"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": \"saddr\"}}, \"right\": \"::1\"}}, "};
            items.add(rule(h++, "dn", "{\"counter\": null}, " + before[i % 4] + match + ", {\"dnat\": {\"family\": \"ip\", \"addr\": \"10.88.0." + (2 + i) + "\", \"port\": 80}}"));
            if (i % 10 == 5) {
                // Unguarded: marks every packet; must never be skipped.
                items.add(rule(h++, "dn", "{\"mangle\": {\"key\": {\"meta\": {\"key\": \"mark\"}}, \"value\": " + i + "}}"));
            }
        }
        items.add(rule(h++, "fwd", "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"mark\"}}, \"right\": 55}}, {\"accept\": null}"));
        items.add(rule(h, "fwd", "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"daddr\"}}, \"right\": \"10.88.0.20\"}}, {\"accept\": null}"));
        items.add("{\"chain\": {\"family\": \"inet\", \"table\": \"v\", \"name\": \"dn\"}}");
        List<NftTable> nft = NftReader.read(new InputText("t", "{\"nftables\": [" + String.join(",", items) + "]}"));
        Simulator sim = new Simulator(IptablesSaveParser.parse(new InputText("t", "*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n")), nft, NET);
        SourceScope all = c -> true;
        int compared = 0;
        for (int proto : new int[] {6, 17}) {
            for (int port = 7990; port < 8170; port++) {
                Packet p = Packet.newConnection("eth0", IpAddress.parse("203.0.113.7"), IpAddress.parse("198.51.100.1"), proto, 40000, port);
                Trace full = sim.trace(p, Simulator.Detail.NONE);
                Trace indexed = sim.trace(p, Simulator.Detail.RULES, all, true);
                assertEquals(full.verdict(), indexed.verdict(), proto + "/" + port);
                assertEquals(Objects.toString(full.dnatAddress()), Objects.toString(indexed.dnatAddress()), proto + "/" + port);
                assertEquals(Objects.toString(full.decidedBy()), Objects.toString(indexed.decidedBy()), proto + "/" + port);
                compared++;
            }
        }
        assertEquals(360, compared);
        // every DNAT rule is guarded by its port, address tests or not: only the 6 mark rules are walked for any port
        NftChainIndex ix = new NftChainIndex(nft.get(0).chain("dn"));
        assertEquals(6, ix.candidates(6, true, 1).length);
        assertEquals(7, ix.candidates(6, true, 8001).length);
    }

    private static String rule(int handle, String chain, String expr) {
        return "{\"rule\": {\"family\": \"inet\", \"table\": \"v\", \"chain\": \"" + chain + "\", \"handle\": " + handle
                + ", \"expr\": [" + expr + "]}}";
    }

    @Test
    void aPortNamedTwiceOrOutOfOrderListsItsRuleOnce() {
        String tcp = "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": ";
        List<String> items = new ArrayList<>();
        items.add("{\"table\": {\"family\": \"inet\", \"name\": \"v\"}}");
        items.add("{\"chain\": {\"family\": \"inet\", \"table\": \"v\", \"name\": \"dn\"}}");
        items.add(rule(1, "dn", tcp + "{\"set\": [9001, 9000, 9001]}}}, {\"accept\": null}"));
        items.add(rule(2, "dn", tcp + "9000}}, {\"accept\": null}"));
        items.add(rule(3, "dn", tcp + "8999}}, {\"accept\": null}"));
        List<NftTable> nft = NftReader.read(new InputText("t", "{\"nftables\": [" + String.join(",", items) + "]}"));
        NftChainIndex ix = new NftChainIndex(nft.get(0).chain("dn"));
        assertEquals("[0]", java.util.Arrays.toString(ix.candidates(6, true, 9001)));
        assertEquals("[0, 1]", java.util.Arrays.toString(ix.candidates(6, true, 9000)));
        assertEquals("[2]", java.util.Arrays.toString(ix.candidates(6, true, 8999)));
        assertEquals("[]", java.util.Arrays.toString(ix.candidates(6, true, 9002)));
        assertEquals("[]", java.util.Arrays.toString(ix.candidates(17, true, 9000)));
    }
}
