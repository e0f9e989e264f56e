package io.cnifix.model.nft;

import java.util.List;

/** One rule: its statements in order; {@code handle} as {@code nft -a} shows it (0 when the dump has none). */
public record NftRule(String family, String table, String chain, long handle, List<NftStmt> statements, String comment) {
    public NftRule {
        statements = List.copyOf(statements);
    }

    /** The rule in nft's own words, near enough to recognise it. */
    public String text() {
        // A plain loop: the engine names each of a netavark host's 40,000 rules this way once per family.
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < statements.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(statements.get(i));
        }
        return comment == null ? sb.toString() : sb.append(" comment \"").append(comment).append('"').toString();
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
