package io.cnifix.model.nft;

import java.util.List;

/** One statement of an nftables rule, in the order the rule holds them. */
public sealed interface NftStmt {

    /** {@code left op right}; op is ==, !=, <, >, <=, >=, or "in" (set membership, flag test). */
    record Match(NftExpr left, String op, NftExpr right) implements NftStmt {
        @Override
        public String toString() {
            // nft writes equality and flag/set membership without an operator.
            boolean implicit = ("==".equals(op) || "in".equals(op)) && !(left instanceof NftExpr.Binop);
            return left + " " + (implicit ? "" : op + " ") + right;
        }
    }

    /** accept, drop, reject, return, continue, queue, jump and goto (with {@code target}). */
    record Verdict(String kind, String target, String detail) implements NftStmt {
        public boolean terminal() {
            return switch (kind) {
                case "accept", "drop", "reject", "queue" -> true;
                default -> false;
            };
        }

        @Override
        public String toString() {
            return kind + (target == null ? "" : " " + target) + (detail == null ? "" : " " + detail);
        }
    }

    /** {@code key vmap { value : verdict, ... }} or {@code key vmap @name}. */
    record VMap(NftExpr key, NftExpr map) implements NftStmt {
        @Override
        public String toString() {
            return key + " vmap " + map;
        }
    }

    /** dnat, snat, masquerade, redirect; {@code family} ip/ip6 or null, address and port may be maps or null. */
    record Nat(String kind, String family, NftExpr address, NftExpr port, List<String> flags) implements NftStmt {
        public Nat {
            flags = List.copyOf(flags);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(kind);
            if (address != null || port != null) {
                sb.append(" to ");
                if (address != null) {
                    sb.append(address);
                }
                if (port != null) {
                    sb.append(":").append(port);
                }
            }
            return sb.toString();
        }
    }

    /** {@code meta mark set EXPR} (ct false) or {@code ct mark set EXPR} (ct true); other keys kept by name. */
    record SetMark(boolean ct, String key, NftExpr value) implements NftStmt {
        @Override
        public String toString() {
            return (ct ? "ct " : "meta ") + key + " set " + value;
        }
    }

    /** Statements that do not decide a packet's fate: counter, log, comment-less notes. */
    record Passive(String kind) implements NftStmt {
        @Override
        public String toString() {
            return kind;
        }
    }

    /** {@code limit rate ...}: passes or not depending on traffic seen before; never decidable here. */
    record Limit(String text) implements NftStmt {
        @Override
        public String toString() {
            return "limit " + text;
        }
    }

    /** {@code notrack}: no conntrack entry for the packet (only before conntrack, priority below -200). */
    record NoTrack() implements NftStmt {
        @Override
        public String toString() {
            return "notrack";
        }
    }

    /** A statement the reader does not understand; evaluation of the rule cannot go past it. */
    record Unknown(String kind, String json) implements NftStmt {
        @Override
        public String toString() {
            return "?" + kind;
        }
    }
}
