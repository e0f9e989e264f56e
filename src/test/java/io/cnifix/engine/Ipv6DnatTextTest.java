package io.cnifix.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Family;
import io.cnifix.model.HostAddress;
import io.cnifix.model.IpAddress;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A trace's DNAT step writes an IPv6 target as [addr]:port, so the port reads apart from the address. */
class Ipv6DnatTextTest {
    @Test
    void v6DnatStepsBracketTheAddress() {
        String rules = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                + "-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:89::3]:80\nCOMMIT\n"
                + "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
        HostNet net = new HostNet(List.of(new HostAddress("eth0", IpAddress.parse("2001:db8::1"), 64),
                new HostAddress("podman1", IpAddress.parse("fd00:89::1"), 64)), List.of(), List.of(), List.of(), List.of());
        Simulator s = new Simulator(IptablesSaveParser.parse(new InputText("r", rules), Family.V6), net);
        Trace t = s.trace(Packet.newConnection("eth0", IpAddress.parse("2001:db8::9"), IpAddress.parse("2001:db8::1"),
                6, 40000, 8080), Simulator.Detail.PATH);
        assertEquals(Verdict.ACCEPT, t.verdict());
        assertTrue(t.path().stream().anyMatch(p -> p.action() != null && p.action().contains("DNAT to [fd00:89::3]:80")),
                t.path()::toString);
    }
}
