package io.cnifix.model.nft;

import java.util.List;
import java.util.stream.Collectors;

/** One rule: its statements in order; {@code handle} as {@code nft -a} shows it (0 when the dump has none). */
public record NftRule(String family, String table, String chain, long handle, List<NftStmt> statements, String comment) {
    public NftRule {
        statements = List.copyOf(statements);
    }

    /** The rule in nft's own words, near enough to recognise it. */
    public String text() {
        String s = statements.stream().map(Object::toString).collect(Collectors.joining(" "));
        return comment == null ? s : s + " comment \"" + comment + "\"";
    }

    /** True when the reader kept part of the rule as unknown. */
    public boolean hasUnknown() {
        for (NftStmt s : statements) {
            if (s instanceof NftStmt.Unknown || s instanceof NftStmt.Match m
                    && (m.left() instanceof NftExpr.Unknown || m.right() instanceof NftExpr.Unknown)) {
                return true;
            }
        }
        return false;
    }
}
