package io.cnifix.system;

import io.cnifix.model.Family;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The back ends an apply may change, in the order it applies them (and undoes them in reverse): iptables, then
 * ip6tables, then the admin's nftables chains, then firewalld's objects.
 */
public final class Drivers {
    private Drivers() {
    }

    public static List<FirewallDriver> all(ProcessRunner runner, Duration wait, Map<String, String> env) {
        Firewall fw = new Firewall(runner, wait, env);
        return List.of(new IptablesDriver(Family.V4, fw), new IptablesDriver(Family.V6, fw), new NftDriver(runner, env),
                new FirewalldDriver(runner, fw, env));
    }
}
