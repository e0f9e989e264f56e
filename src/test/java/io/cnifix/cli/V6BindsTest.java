package io.cnifix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker mappings bound to a specific IPv6 address or ::1 for an IPv4-only container (docker-proxy serves them):
 * each is a port, judged by the ip6tables INPUT rules, and printed as [addr]:port.
 */
class V6BindsTest {

    private static Path snapshot(Path dir, String v6Rules) throws IOException {
        Path src = Path.of("fixtures/docker28");
        try (var files = Files.walk(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = dir.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path inspect = dir.resolve("ports/docker-inspect.json");
        String json = Files.readString(inspect);
        String wildcard = "\"HostIp\": \"::\",\n                        \"HostPort\": \"8080\"";
        assertTrue(json.contains(wildcard));
        json = json.replace(wildcard, "\"HostIp\": \"2001:db8::5\",\n                        \"HostPort\": \"9090\"");
        json = json.replaceFirst("\"HostIp\": \"::\",", "\"HostIp\": \"::1\",");
        Files.writeString(inspect, json);
        Path addrs = dir.resolve("ip-address.json");
        Files.writeString(addrs, Files.readString(addrs).replace("{\"family\":\"inet6\",\"local\":\"fe80::5054:ff:fe7b:1ea4\"",
                "{\"family\":\"inet6\",\"local\":\"2001:db8::5\",\"prefixlen\":64,\"scope\":\"global\"},"
                        + "{\"family\":\"inet6\",\"local\":\"fe80::5054:ff:fe7b:1ea4\""));
        Files.writeString(dir.resolve("ip6tables-save.txt"), v6Rules);
        return dir;
    }

    @Test
    void specificAndLoopbackV6BindsAreJudgedByIp6tablesInput(@TempDir Path tmp) throws IOException {
        assertTrue(Files.readString(Path.of("fixtures/docker28/ip-address.json")).contains(
                "{\"family\":\"inet6\",\"local\":\"fe80::5054:ff:fe7b:1ea4\""), "fixture layout changed");
        Path open = snapshot(tmp.resolve("open"), "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
        CliTest.Run r = CliTest.run("diff", "--snapshot", open.toString());
        assertTrue(r.out().contains("[2001:db8::5]:9090/tcp"), r.out());
        assertTrue(r.out().contains("[::1]:") && r.out().contains("not-exposed"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("[2001:db8::5]:9090") && l.contains(" ok ")
                && l.contains("user-space proxy")), r.out());
        Path closed = snapshot(tmp.resolve("closed"), "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                + "-A INPUT -s 2001:db8:77::/48 -p tcp -m tcp --dport 9090 -j ACCEPT\nCOMMIT\n");
        CliTest.Run c = CliTest.run("diff", "--snapshot", closed.toString(), "--format", "json");
        assertTrue(c.out().contains("\"hostIp\": \"2001:db8::5\"") || c.out().contains("\"hostIp\":\"2001:db8::5\""), c.out());
        assertEquals(0, c.code(), c.out() + c.err());
    }
}
