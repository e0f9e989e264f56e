package io.cnifix.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;
import io.cnifix.model.IpSet;
import io.cnifix.model.Match;
import io.cnifix.model.Rule;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StatefulModulesTest {

    private static Match first(String ruleTail, int index) {
        Rule r = IptablesSaveParser.parse(new InputText("t", "*filter\n-A INPUT " + ruleTail + "\nCOMMIT\n"), Family.V4)
                .chain("filter", "INPUT").rules().get(0);
        return r.matches().get(index);
    }

    private static String rendered(Match m) {
        StringBuilder b = new StringBuilder();
        m.render(b);
        return b.toString();
    }

    @Test
    void readsIprangeRpfilterRecentLimitsAndSets() {
        Match.IpRange ir = (Match.IpRange) first("-m iprange ! --src-range 10.0.0.0-10.255.255.255 -j DROP", 0);
        assertTrue(ir.srcNegated());
        assertEquals(IpAddress.parse("10.255.255.255"), ir.srcTo());
        assertEquals(" -m iprange ! --src-range 10.0.0.0-10.255.255.255", rendered(ir));
        Match.RpFilter rp = (Match.RpFilter) first("-m rpfilter --loose --invert -j DROP", 0);
        assertTrue(rp.loose() && rp.invert() && !rp.acceptLocal());
        Match.Stateful upd = (Match.Stateful) first("-m recent --update --seconds 60 --hitcount 4 --name SSH --rsource -j DROP", 0);
        assertEquals(new Match.Recent("SSH", "update", false, 60, 4, false, null, false), upd.recent());
        assertEquals(" -m recent --update --seconds 60 --hitcount 4 --name SSH --rsource", rendered(upd));
        assertEquals(Boolean.TRUE, ((Match.Stateful) first("-m limit --limit 3/min -j ACCEPT", 0)).firstPacket());
        assertEquals(Boolean.FALSE, ((Match.Stateful) first("-m hashlimit --hashlimit-above 1/s --hashlimit-name x -j DROP", 0)).firstPacket());
        assertEquals(Boolean.TRUE, ((Match.Stateful) first("-p tcp -m connlimit --connlimit-above 0 -j DROP", 1)).firstPacket());
        assertEquals(Boolean.FALSE, ((Match.Stateful) first("-p tcp -m connlimit --connlimit-upto 0 -j DROP", 1)).firstPacket());
        Match.SetMatch sm = (Match.SetMatch) first("-m set ! --match-set blocked src,dst --return-nomatch -j DROP", 0);
        assertEquals(List.of(true, false), sm.directions());
        assertTrue(sm.negated() && sm.returnNomatch());
        // Options cnifix does not model keep the module verbatim.
        assertInstanceOf(Match.Unknown.class, first("-m hashlimit --hashlimit-upto 1/s --hashlimit-rate-match --hashlimit-name x -j DROP", 0));
        assertInstanceOf(Match.Unknown.class, first("-m mac --mac-source 02:00:00:00:00:01 -j ACCEPT", 0));
        assertThrows(InputException.class, () -> first("-m set --match-set blocked sideways -j DROP", 0));
        assertThrows(InputException.class, () -> first("-m iprange --src-range 10.0.0.1-nope -j DROP", 0));
    }

    @Test
    void readsIpsetSaveAndTestsMembers() {
        List<IpSet> sets = IpsetSaveParser.parse(new InputText("ipset.save", """
                create ban hash:ip family inet hashsize 1024 maxelem 65536 timeout 600
                add ban 203.0.113.5 timeout 300
                create nets hash:net family inet
                add nets 198.18.0.0/15
                add nets 198.18.5.0/24 nomatch
                create svc hash:ip,port family inet
                add svc 172.17.0.2,udp:53
                create ports bitmap:port range 0-1024
                add ports 25
                create all list:set size 8
                add all ban
                add all nets
                create macs hash:mac
                add macs 02:00:00:00:00:01
                """));
        Map<String, IpSet> byName = new io.cnifix.model.MatchFacts(sets, false).byName();
        assertEquals(6, byName.size());
        assertTrue(test(byName, "all", "203.0.113.5", 6, 22, List.of(true), false));
        assertTrue(test(byName, "nets", "198.18.1.1", 6, 22, List.of(true), false));
        assertFalse(test(byName, "nets", "198.18.5.1", 6, 22, List.of(true), false));
        assertTrue(test(byName, "nets", "198.18.5.1", 6, 22, List.of(true), true));
        assertFalse(test(byName, "nets", "198.18.1.1", 6, 22, List.of(true), true));
        assertTrue(test(byName, "svc", "172.17.0.2", 17, 53, List.of(false, false), false));
        assertFalse(test(byName, "svc", "172.17.0.2", 6, 53, List.of(false, false), false));
        assertFalse(test(byName, "svc", "172.17.0.2", 17, 53, List.of(false), false));
        assertTrue(test(byName, "ports", "172.17.0.2", 6, 25, List.of(false), false));
        assertNull(byName.get("macs").test(packet("1.2.3.4", 6, 1), List.of(true), false, byName, false));
        InputException e = assertThrows(InputException.class, () -> IpsetSaveParser.parse(new InputText("s",
                "create a hash:ip\nadd a 2001:db8::1\n")));
        assertEquals(2, e.line());
    }

    private static boolean test(Map<String, IpSet> sets, String name, String addr, int proto, int port, List<Boolean> dirs,
                                boolean returnNomatch) {
        return sets.get(name).test(packet(addr, proto, port), dirs, returnNomatch, sets, false);
    }

    private static IpSet.Packet packet(String addr, int proto, int port) {
        return new IpSet.Packet() {
            public IpAddress address(boolean source) {
                return IpAddress.parse(addr);
            }

            public int port(boolean source) {
                return port;
            }

            public int protocol() {
                return proto;
            }
        };
    }
}
