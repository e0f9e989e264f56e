package io.cnifix.engine.compare;

import io.cnifix.engine.Decider;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;

import java.util.Set;

/**
 * Which native nftables tables an administrator writes (Debian's and RHEL's {@code inet filter}, any table of their
 * own) as opposed to those the container engines and firewalld own and rewrite; and which drops there are the
 * admin's decision about some packets rather than a default for everything.
 */
public final class AdminNft {
    /** Tables other programs own: the engines' (netavark, Docker 29) and firewalld's. */
    public static final Set<String> FOREIGN = Set.of("inet netavark", "ip docker-bridges", "ip6 docker-bridges",
            "inet firewalld", "ip firewalld", "ip6 firewalld");

    private AdminNft() {
    }

    /** A native table (as nft labels it: "inet filter") an admin owns. */
    public static boolean adminTable(String label) {
        return !FOREIGN.contains(label);
    }

    /**
     * A drop or reject by a rule of an admin table that singles packets out (by address, port, interface...): the
     * admin's decision, like a DROP in DOCKER-USER. A rule that only counts or logs and then drops is the chain's
     * default, like a policy.
     */
    public static boolean onPurpose(Decider d) {
        return d instanceof Decider.ByNftRule n && adminTable(n.table()) && dropsOrRejects(n.rule()) && !catchAllDrop(n.rule());
    }

    private static boolean dropsOrRejects(NftRule r) {
        NftStmt last = r.statements().isEmpty() ? null : r.statements().get(r.statements().size() - 1);
        return last instanceof NftStmt.Verdict v && (v.kind().equals("drop") || v.kind().equals("reject"));
    }

    /** A rule that only counts or logs, then drops or rejects: it decides for every packet that gets to it. */
    public static boolean catchAllDrop(NftRule r) {
        if (!dropsOrRejects(r)) {
            return false;
        }
        for (NftStmt s : r.statements().subList(0, r.statements().size() - 1)) {
            if (!(s instanceof NftStmt.Passive)) {
                return false;
            }
        }
        return true;
    }
}
