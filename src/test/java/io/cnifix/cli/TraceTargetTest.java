package io.cnifix.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cnifix trace CONTAINER:PORT: the packet's other fields come from the host. */
class TraceTargetTest {
    private static final String F = "fixtures/podman4-cni";

    private static JsonObject trace(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "trace";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(new String[] {"--snapshot", F, "--format", "json"}, 0, all, args.length + 1, 4);
        CliTest.Run r = CliTest.run(all);
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    @Test
    void aPublishedPortIsEnough() {
        JsonObject t = trace("web:8080");
        assertEquals("DROP", t.get("verdict").getAsString());
        assertEquals("10.88.0.2", t.getAsJsonObject("dnat").get("address").getAsString());
        assertEquals("FORWARD", t.getAsJsonObject("decidedBy").get("chain").getAsString());
        JsonObject udp = trace("multi:5353/udp");
        assertEquals("10.88.0.3", udp.getAsJsonObject("dnat").get("address").getAsString());
        assertEquals(53, udp.getAsJsonObject("dnat").get("port").getAsInt());
    }

    @Test
    void theSameAsSpellingThePacketOut() {
        JsonObject byName = trace("web:8080", "--from", "198.51.100.7");
        CliTest.Run spelled = CliTest.run("trace", "--snapshot", F, "--format", "json", "--in", "eth0", "--src", "198.51.100.7",
                "--dst", "198.51.100.1", "--proto", "tcp", "--dport", "8080");
        assertEquals(JsonParser.parseString(spelled.out()), byName);
    }

    @Test
    void mistakesSayWhatExists() {
        CliTest.Run none = CliTest.run("trace", "nope:80", "--snapshot", F);
        assertEquals(2, none.code());
        assertTrue(none.err().contains("containers with published ports: local, multi, web"), none.err());
        CliTest.Run port = CliTest.run("trace", "web:9999", "--snapshot", F);
        assertEquals(2, port.code());
        assertTrue(port.err().contains("this container publishes 8080/tcp"), port.err());
        CliTest.Run bare = CliTest.run("trace", "--snapshot", F);
        assertEquals(2, bare.code());
        assertTrue(bare.err().contains("missing --in, --src, --dst, --proto"), bare.err());
    }
}
