package io.cnifix.engine.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.Fixtures;

import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The reply counts: next to an iptables FORWARD DROP, netavark's nft table accepts the container's answers only in
 * its own table, so a Docker-shaped accept for the first packet alone still times out (measured, see
 * nftables-firewalld.md); adding a return-path accept in the dropping chain makes the port answer.
 */
class ReplyDirectionTest {

    private static PortReport web(String addToForward) {
        var host = Fixtures.host("netavark-nft-drop", v4 -> v4.replaceFirst(":OUTPUT ACCEPT \\[0:0\\]\n",
                ":OUTPUT ACCEPT [0:0]\n" + addToForward));
        DiffReport r = new Comparer(host, DockerModel.CURRENT, Set.of()).compare();
        return r.ports().stream().filter(p -> p.mapping().hostPort() == 8080).findFirst().orElseThrow();
    }

    @Test
    void aFirstPacketAcceptAloneLeavesTheReplyToTheDropPolicy() {
        PortReport p = web("-A FORWARD -d 10.88.0.2/32 -o podman0 -p tcp -m tcp --dport 80 -j ACCEPT\n");
        assertEquals(PortStatus.GAP, p.status(), p.why());
        assertTrue(p.why().startsWith("reply dropped for every outside source by filter FORWARD policy DROP"), p.why());
        assertTrue(p.why().contains("from podman0 back to the client"), p.why());
        assertEquals("reply-drop", p.sources().get(0).outcome());
    }

    @Test
    void aReturnPathAcceptMakesItAnswer() {
        PortReport p = web("-A FORWARD -d 10.88.0.2/32 -o podman0 -p tcp -m tcp --dport 80 -j ACCEPT\n"
                + "-A FORWARD -i podman0 ! -o podman0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        assertEquals(PortStatus.OK, p.status(), p.why());
    }

    /**
     * An admin's drop of another port in FORWARD also meets the answers sent to clients on that very source port;
     * clients connect from ephemeral ports, so it must not make this port look blocked (kernel lab, host 28).
     */
    @Test
    void aDropOfAnotherPortDoesNotBlockTheAnswers() {
        PortReport p = web("-A FORWARD -p tcp -m tcp --dport 5013 -j DROP\n"
                + "-A FORWARD -d 10.88.0.2/32 -o podman0 -p tcp -m tcp --dport 80 -j ACCEPT\n"
                + "-A FORWARD -i podman0 ! -o podman0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        assertEquals(PortStatus.OK, p.status(), p.why());
        // A drop of a port clients do connect from still counts.
        PortReport q = web("-A FORWARD -p tcp -m tcp --dport 40000:40010 -j DROP\n"
                + "-A FORWARD -d 10.88.0.2/32 -o podman0 -p tcp -m tcp --dport 80 -j ACCEPT\n"
                + "-A FORWARD -i podman0 ! -o podman0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        assertTrue(q.sources().stream().anyMatch(g -> g.outcome().equals("reply-drop")), q.why());
    }

    @Test
    void withoutAnyAcceptTheFirstPacketIsWhatDies() {
        PortReport p = web("");
        assertEquals(PortStatus.GAP, p.status(), p.why());
        assertTrue(p.why().contains("(the client's first packet, on its way in)"), p.why());
    }
}
