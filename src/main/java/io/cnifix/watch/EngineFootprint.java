package io.cnifix.watch;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The jumps from the built-in chains into Podman's fixed chains (CNI-FORWARD, CNI-HOSTPORT-DNAT, NETAVARK_FORWARD,
 * ...) in iptables-save text. When one that was there is gone while containers run, the engine's rules were flushed
 * (a firewalld reload, an iptables-restore), and only the engine puts them back. Per-container chains (CNI-&lt;hash&gt;)
 * come and go with containers and are left out.
 */
public final class EngineFootprint {
    private static final Pattern JUMP = Pattern.compile(
            "^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) .*-j ((?:CNI|NETAVARK)[-_][A-Z_-]+)\\s*$");

    private EngineFootprint() {
    }

    /** "table chain -> target" for each such jump in one iptables-save dump. */
    public static Set<String> of(String iptablesSave) {
        Set<String> out = new LinkedHashSet<>();
        String table = "";
        for (String line : iptablesSave.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
                continue;
            }
            Matcher m = JUMP.matcher(line.strip());
            if (m.matches()) {
                out.add(table + " " + m.group(1) + " -> " + m.group(2));
            }
        }
        return out;
    }
}
