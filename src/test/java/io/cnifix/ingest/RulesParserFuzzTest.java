package io.cnifix.ingest;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cnifix.model.Ruleset;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The iptables-save parser may only succeed or throw InputException with a one-line message and a line number; a
 * ruleset it accepts must render back to its own source lines when those were canonical. A plain test run replays
 * the seeds in RulesParserFuzzTestInputs/rules/. To fuzz for 10 minutes:
 * <pre>JAZZER_FUZZ=1 mvn -B test -Dtest='RulesParserFuzzTest#rules' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class RulesParserFuzzTest {

    private static String canonical(Ruleset r) {
        StringBuilder sb = new StringBuilder();
        for (var t : r.tables().values()) {
            sb.append('*').append(t.name()).append('\n');
            t.chains().values().forEach(c -> sb.append(':').append(c.name()).append(' ')
                    .append(c.policy() == null ? "-" : c.policy()).append(" [0:0]\n"));
            t.chains().values().forEach(c -> c.rules().forEach(x -> sb.append(x.render()).append('\n')));
            sb.append("COMMIT\n");
        }
        return sb.toString();
    }

    private static List<String> renderings(Ruleset r) {
        List<String> out = new ArrayList<>();
        r.tables().values().forEach(t -> t.chains().values().forEach(c -> c.rules().forEach(x -> out.add(x.render()))));
        return out;
    }

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({"*filter", "*nat", "*raw", "*mangle", "COMMIT", ":FORWARD DROP [0:0]", ":INPUT ACCEPT [0:0]",
            ":PREROUTING ACCEPT [0:0]", ":X - [0:0]", "-A FORWARD", "-A X", " -j X", " -g X", " -j ACCEPT", " -j DROP",
            " -j RETURN", " -j REJECT --reject-with icmp-host-prohibited", " -j DNAT --to-destination 10.88.0.2:80",
            " -j DNAT --to-destination [fd00::2]:80", " -j MARK --set-xmark 0x2000/0x2000", " -j CT --notrack",
            " -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff", " -s 10.0.0.0/8", " ! -d 224.0.0.0/4",
            " -i cni+", " ! -o docker0", " -p tcp", " -p udp", " -m tcp --dport 80", " -m udp ! --sport 1:1023",
            " -m multiport --dports 80,443,8000:8080", " -m conntrack --ctstate RELATED,ESTABLISHED",
            " -m conntrack --ctstate DNAT --ctorigdst 1.2.3.4/32 --ctorigdstport 8080 --ctdir ORIGINAL",
            " -m state --state NEW", " -m addrtype --dst-type LOCAL --limit-iface-in", " -m comment --comment x",
            " -m mark --mark 0x1/0xff", " -m set --match-set x src", " --tcp-flags FIN,SYN,RST,ACK SYN", "[1:2] "})
    void rules(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        InputText in = new InputText("fuzz.save", text);
        // Parsed in batches on a second thread, the same input gives the same ruleset or the same first error.
        String sequential;
        String batched;
        try {
            sequential = IptablesSaveParser.parse(in).toString();
        } catch (InputException e) {
            sequential = e.oneLine();
        }
        try {
            batched = IptablesSaveParser.parse(in, IptablesSaveParser.familyOf(in), NameTables.bundled(), 0).toString();
        } catch (InputException e) {
            batched = e.oneLine();
        }
        assertEquals(sequential, batched);
        try {
            Ruleset r = IptablesSaveParser.parse(in);
            // Whatever was accepted renders to canonical text that parses back to the same rendering.
            Ruleset again = IptablesSaveParser.parse(new InputText("rendered", canonical(r)), r.family());
            assertEquals(renderings(r), renderings(again));
        } catch (InputException e) {
            assertFalse(e.oneLine().contains("\n"), e.oneLine());
            assertTrue(e.line() >= 0);
        }
    }
}
