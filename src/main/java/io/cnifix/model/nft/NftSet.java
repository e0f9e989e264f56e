package io.cnifix.model.nft;

import java.util.List;

/**
 * A named set or map. {@code keyType} as nft names it ("ipv4_addr", "ifname", or a concatenation "ipv4_addr .
 * inet_service"); {@code dataType} null for a set, "verdict" for a verdict map; {@code elements} values,
 * prefixes, ranges and concatenations, or {@link NftExpr.Mapping}s for a map.
 */
public record NftSet(String name, String keyType, String dataType, List<String> flags, List<NftExpr> elements) {
    public NftSet {
        flags = List.copyOf(flags);
        elements = List.copyOf(elements);
    }

    public boolean map() {
        return dataType != null;
    }

    public boolean interval() {
        return flags.contains("interval");
    }
}
