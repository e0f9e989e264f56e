package io.cnifix.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.system.SyntheticHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's netavark-nft host (bench.sh's nft section) is the iptables host with its forwarding moved to
 * netavark's nftables table: every published port gets the same status from both, and the DNAT is found in nft.
 */
class SyntheticNftHostTest {
    @TempDir
    Path tmp;

    private static Map<String, String> statuses(Path host) {
        CliTest.Run r = CliTest.run("diff", "--snapshot", host.toString(), "--format", "json");
        assertEquals(1, r.code(), r.err());
        Map<String, String> out = new TreeMap<>();
        for (JsonElement e : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("ports")) {
            JsonObject p = e.getAsJsonObject();
            out.put(p.get("container").getAsString() + ":" + p.get("hostPort").getAsInt(), p.get("status").getAsString());
        }
        return out;
    }

    @Test
    void theNftHostJudgesLikeTheIptablesHost() throws Exception {
        SyntheticHost.write(tmp.resolve("ipt"), 12, 3, 600, false);
        SyntheticHost.write(tmp.resolve("nft"), 12, 3, 600, true);
        Map<String, String> ipt = statuses(tmp.resolve("ipt"));
        Map<String, String> nft = statuses(tmp.resolve("nft"));
        assertEquals(36, ipt.size());
        assertEquals(ipt, nft);
        assertTrue(nft.values().stream().noneMatch(s -> s.equals("missing-dnat") || s.equals("unknown")), nft.toString());
        CliTest.Run trace = CliTest.run("trace", "--snapshot", tmp.resolve("nft").toString(), "app3:10016");
        assertTrue(trace.out().contains("netavark"), trace.out());
    }
}
