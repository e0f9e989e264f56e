package io.cnifix.ingest.json;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readers may only succeed or throw InputException, whose message must be one line. A plain test run replays
 * the seeds in JsonReadersFuzzTestInputs/&lt;method&gt;/. To fuzz one method (Jazzer fuzzes one per run) for its
 * maxDuration:
 * <pre>JAZZER_FUZZ=1 mvn -B test -Dtest='JsonReadersFuzzTest#ports' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * A shorter or longer session: add {@code -Djazzer.internal.arg.0=x -Djazzer.internal.arg.1=-max_total_time=SECONDS}
 * (arg.0 stands for argv[0]; later libFuzzer flags win). Crashes land in the project root as crash-*; generated
 * corpus in .cifuzz-corpus/.
 */
class JsonReadersFuzzTest {

    private static InputText input(byte[] data) {
        return new InputText("fuzz.json", new String(data, StandardCharsets.UTF_8));
    }

    private static void check(InputException e) {
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isEmpty());
        assertFalse(e.oneLine().contains("\n"), e.oneLine());
        assertTrue(e.line() >= 0);
    }

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({"\"kind\"", "\"cniCacheV1\"", "\"containerId\"", "\"networkName\"", "\"capabilityArgs\"",
            "\"portMappings\"", "\"hostPort\"", "\"containerPort\"", "\"hostIP\"", "\"result\"", "\"ips\"", "\"address\"",
            "\"interfaces\"", "\"config\"", "\"cniArgs\"", "\"K8S_POD_NAME\"", "\"NetworkSettings\"", "\"Ports\"",
            "\"HostIp\"", "\"HostPort\"", "\"Networks\"", "\"IPAddress\"", "\"GlobalIPv6Address\"", "\"GwPriority\"",
            "\"OCIRuntime\"", "\"HostConfig\"", "\"NetworkMode\"", "\"slirp4netns\"", "\"Names\"", "\"Id\"",
            "\"host_ip\"", "\"host_port\"", "\"container_port\"", "\"range\"", "\"protocol\"", "\"tcp,udp\"",
            "\"80/tcp\"", "\"::\"", "\"0.0.0.0\"", "\"10.88.0.2/16\""})
    void ports(byte[] data) {
        try {
            PortsReader.read(input(data));
        } catch (InputException e) {
            check(e);
        }
    }

    /** The streaming fast path returns nothing or exactly what the tree reader returns (PortsStreamTest, fuzzed). */
    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({"\"NetworkSettings\"", "\"Ports\"", "\"HostIp\"", "\"HostPort\"", "\"Networks\"",
            "\"IPAddress\"", "\"GlobalIPv6Address\"", "\"GwPriority\"", "\"OCIRuntime\"", "\"HostConfig\"",
            "\"NetworkMode\"", "\"Config\"", "\"Labels\"", "\"Image\"", "\"ImageName\"", "\"Names\"", "\"Name\"",
            "\"Id\"", "\"host_ip\"", "\"host_port\"", "\"container_port\"", "\"range\"", "\"protocol\"",
            "\"tcp,udp\"", "\"80/tcp\"", "\"::\"", "\"0.0.0.0\"", "null", "true"})
    void portsFastPathAgrees(byte[] data) {
        InputText in = input(data);
        PortsReader.PortsDocument fast = PortsStream.read(in.name(), in.content());
        if (fast == null) {
            return;
        }
        try {
            assertEquals(PortsReader.readTree(in), fast);
        } catch (InputException e) {
            throw new AssertionError("the fast path read what the tree reader refuses: " + e.oneLine());
        }
    }

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({"\"plugins\"", "\"type\"", "\"bridge\"", "\"ipam\"", "\"ranges\"", "\"subnet\"", "\"gateway\"",
            "\"isGateway\"", "\"ipMasq\"", "\"firewall\"", "\"backend\"", "\"ingressPolicy\"",
            "\"iptablesAdminChainName\"", "\"network_interface\"", "\"driver\"", "\"subnets\"", "\"internal\"",
            "\"IPAM\"", "\"Config\"", "\"Subnet\"", "\"Gateway\"", "\"Options\"", "\"com.docker.network.bridge.name\"",
            "\"Internal\"", "\"Driver\"", "\"Name\"", "\"10.88.0.0/16\"", "\"fd00::/64\""})
    void networks(byte[] data) {
        try {
            NetworksReader.read(input(data));
        } catch (InputException e) {
            check(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    @DictionaryEntries({"\"ifname\"", "\"addr_info\"", "\"family\"", "\"inet\"", "\"inet6\"", "\"local\"",
            "\"prefixlen\"", "\"dst\"", "\"default\"", "\"gateway\"", "\"dev\"", "\"metric\"", "\"table\"", "\"type\"",
            "\"nexthops\"", "\"via\"", "\"host\"", "\"prefsrc\"", "\"fe80::1\""})
    void ip(byte[] data) {
        InputText in = input(data);
        try {
            IpJsonReader.addresses(in);
        } catch (InputException e) {
            check(e);
        }
        try {
            IpJsonReader.routes(in);
        } catch (InputException e) {
            check(e);
        }
    }
}
