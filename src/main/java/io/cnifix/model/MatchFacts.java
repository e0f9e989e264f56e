package io.cnifix.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What set and stateful matches depend on beyond the rules: the host's ipsets (from {@code ipset save}), and
 * whether sources may have history ({@code --assume-history}: then recent, limit, hashlimit and connlimit stay
 * unknown instead of being judged for a first connection from a quiet source).
 */
public record MatchFacts(List<IpSet> ipsets, boolean assumeHistory, RpFilter rpFilter) {
    public static final MatchFacts NONE = new MatchFacts(List.of(), false);

    // --- rp_filter (issue 15): the IPv4 rp_filter sysctl the routing decision applies; null when not read ---
    public MatchFacts(List<IpSet> ipsets, boolean assumeHistory) {
        this(ipsets, assumeHistory, null);
    }

    public MatchFacts withRpFilter(RpFilter f) {
        return new MatchFacts(ipsets, assumeHistory, f);
    }
    // --- end rp_filter ---

    public MatchFacts {
        ipsets = List.copyOf(ipsets);
    }

    public Map<String, IpSet> byName() {
        Map<String, IpSet> out = new LinkedHashMap<>();
        for (IpSet s : ipsets) {
            out.put(s.name(), s);
        }
        return out;
    }

    public MatchFacts withAssumeHistory(boolean on) {
        return new MatchFacts(ipsets, on, rpFilter);
    }
}
