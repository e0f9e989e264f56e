package io.cnifix.engine.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** netavark 1.4 writes "-d ::/128" on the DNAT of a port published on [::]: a finding says it never matches. */
class UnspecifiedDnatTest {
    @Test
    void aDnatToTheUnspecifiedAddressIsReported() {
        String v6 = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                + ":NETAVARK-DN-1 - [0:0]\n-A PREROUTING -j NETAVARK-DN-1\n"
                + "-A NETAVARK-DN-1 -d ::/128 -p tcp -m tcp --dport 8088 -j DNAT --to-destination [fd00:89:60::4]:80\n"
                + "-A NETAVARK-DN-1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:89:60::2]:80\nCOMMIT\n";
        HostState h = new HostState(List.of(IptablesSaveParser.parse(new InputText("ip6tables-save", v6), Family.V6)),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
        List<Finding> never = new Comparer(h, DockerModel.CURRENT, Set.of()).compare().findings().stream()
                .filter(f -> f.kind().equals("never-matches")).toList();
        assertEquals(1, never.size(), never::toString);
        assertTrue(never.get(0).detail().contains("unspecified address"), never.get(0)::toString);
        assertTrue(never.get(0).detail().contains("ip6tables-save:8"), never.get(0)::toString);
    }
}
