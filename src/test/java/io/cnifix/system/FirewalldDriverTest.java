package io.cnifix.system;

import io.cnifix.Fixtures;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Planner;
import io.cnifix.remedy.Proposal;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the driver reads firewall-cmd --direct --get-all-rules back (text as firewalld 1.3.3 printed it in the lab). */
class FirewalldDriverTest {
    private static final String LISTED = """
            ipv4 filter FORWARD 0 -d 10.88.0.2/32 '!' -i podman0 -o podman0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment 'cnifix: web tcp/8080' -j ACCEPT
            ipv4 filter FORWARD -1 -m comment --comment prio-1 -j RETURN
            ipv6 filter INPUT 100 -m comment --comment 'it'"'"'s' -j ACCEPT
            """;

    @Test
    void parsesPriorityAndShellQuotedWords() {
        List<FirewalldDriver.Direct> rules = FirewalldDriver.parse(LISTED);
        assertEquals(3, rules.size());
        assertEquals(0, rules.get(0).priority());
        assertEquals("!", rules.get(0).args().get(2));
        assertEquals("cnifix: web tcp/8080", rules.get(0).args().get(rules.get(0).args().indexOf("--comment") + 1));
        assertEquals(-1, rules.get(1).priority());
        assertEquals("ipv6", rules.get(2).ipv());
        assertEquals("it's", rules.get(2).args().get(3));
    }

    @Test
    void aProposalMatchesItsListedRuleWhateverThePriority() {
        Plan plan = new Planner(Fixtures.host("firewalld-drop-netavark"), DockerModel.CURRENT, Set.of(), null).plan(true, false);
        Proposal web = plan.additions().stream().filter(p -> p.fixes().hostPort() == 8080).findFirst().orElseThrow();
        FirewalldDriver.Direct want = FirewalldDriver.of(web);
        assertEquals(List.of("ipv4", "filter", "FORWARD", "100"), want.words().subList(0, 4));
        assertTrue(want.sameRule(FirewalldDriver.parse(LISTED).get(0)), "the same rule listed at priority 0");
    }
}
