package io.cnifix.model.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The leaves that spell out equals and hashCode keep a record's meaning: equal exactly when every component is. */
class NftExprEqualityTest {

    private static void same(Object a, Object b) {
        assertEquals(a, b);
        assertEquals(b, a);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Test
    void leavesAreEqualExactlyWhenEveryPartIs() {
        same(new NftExpr.Payload("tcp", "dport"), new NftExpr.Payload(new String("tcp"), new String("dport")));
        same(new NftExpr.Payload(null, null), new NftExpr.Payload(null, null));
        same(new NftExpr.Meta("mark"), new NftExpr.Meta(new String("mark")));
        same(new NftExpr.Ct("state", null, null), new NftExpr.Ct("state", null, null));
        same(new NftExpr.Ct("proto-dst", "original", "ip"), new NftExpr.Ct("proto-dst", "original", "ip"));
        same(new NftExpr.Value(80L), new NftExpr.Value(Long.valueOf(80)));
        same(new NftExpr.Value("eth0"), new NftExpr.Value(new String("eth0")));
        same(new NftExpr.Prefix("10.88.0.0", 16), new NftExpr.Prefix(new String("10.88.0.0"), 16));
        List<Object> distinct = List.of(new NftExpr.Payload("tcp", "dport"), new NftExpr.Payload("udp", "dport"),
                new NftExpr.Payload("tcp", "sport"), new NftExpr.Payload(null, "dport"), new NftExpr.Meta("mark"),
                new NftExpr.Meta("iifname"), new NftExpr.Meta(null), new NftExpr.Ct("mark", null, null),
                new NftExpr.Ct("state", null, null), new NftExpr.Ct("state", "original", null), new NftExpr.Ct("state", null, "ip"),
                new NftExpr.Value(80L), new NftExpr.Value("80"), new NftExpr.Value(81L), new NftExpr.Prefix("10.88.0.0", 16),
                new NftExpr.Prefix("10.88.0.0", 24), new NftExpr.Prefix("10.89.0.0", 16), new NftExpr.SetRef("mark"));
        for (int i = 0; i < distinct.size(); i++) {
            for (int j = 0; j < distinct.size(); j++) {
                if (i != j) {
                    assertNotEquals(distinct.get(i), distinct.get(j), distinct.get(i) + " vs " + distinct.get(j));
                }
            }
        }
    }
}
