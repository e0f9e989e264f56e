package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.Rule;

import java.util.List;

/**
 * firewalld's decisions in its own words. Its nftables table ({@code inet firewalld}) names chains after zones
 * ({@code filter_FWD_<zone>}, {@code filter_IN_<zone>}, with _allow/_deny/_pre/_post parts) and policies
 * ({@code filter_FWD_policy_<name>}); the blanket {@code ct status dnat accept} and the closing reject sit in
 * {@code filter_FORWARD} itself.
 */
final class FirewalldTerms {
    private static final String TABLE = "inet firewalld";

    private FirewalldTerms() {
    }

    /** A short explanation, or "" when firewalld did not decide. {@code visited}: the rules the packet met. */
    static String explain(Decider d, List<Rule> visited) {
        if (!(d instanceof Decider.ByNftRule n) || !n.table().equals(TABLE)) {
            return "";
        }
        String chain = n.rule().chain();
        String text = n.rule().text();
        if (text.contains("ct status dnat") && text.endsWith("accept")) {
            return " (firewalld accepts every connection some table DNATed, before any zone: forward ports are open"
                    + " unless StrictForwardPorts is on)";
        }
        String policy = part(chain, "_policy_");
        if (policy != null) {
            return " (firewalld policy " + trim(policy) + ")";
        }
        String zone = zoneOf(chain);
        if (zone == null) {
            zone = lastZone(visited);
        }
        if (text.startsWith("reject") || text.contains(" reject")) {
            return zone == null ? " (firewalld's final reject: no zone or policy allows it)"
                    : " (firewalld zone " + zone + " rejects it: no service, port, rich rule or policy there allows it)";
        }
        return zone == null ? "" : " (firewalld zone " + zone + ")";
    }

    private static String zoneOf(String chain) {
        for (String prefix : List.of("filter_FWD_", "filter_IN_", "nat_PRE_", "mangle_PRE_", "filter_FWDO_", "filter_FWDI_")) {
            if (chain.startsWith(prefix) && !chain.startsWith("filter_FWD_policy_")) {
                return trim(chain.substring(prefix.length()));
            }
        }
        return null;
    }

    private static String lastZone(List<Rule> visited) {
        String zone = null;
        for (Rule r : visited) {
            if (r.table().equals(TABLE)) {
                String z = zoneOf(r.chain());
                zone = z != null ? z : zone;
            }
        }
        return zone;
    }

    private static String part(String chain, String marker) {
        int i = chain.indexOf(marker);
        return i < 0 ? null : chain.substring(i + marker.length());
    }

    /** Drops firewalld's sub-chain suffixes (_allow, _deny, _pre, _post, _log). */
    private static String trim(String name) {
        for (String suffix : List.of("_allow", "_deny", "_pre", "_post", "_log")) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }
}
