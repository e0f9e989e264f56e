package io.cnifix.engine.compare;

import io.cnifix.model.Chain;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * cnifix's promise that admin rules decide first: none of its own rules may sit above an admin decision in the
 * same chain (an admin rule, or a jump to an admin chain). Something else inserting at the top of a chain between
 * cnifix's read and its restore breaks it, so it is checked after every apply and reported by diff.
 */
public final class Placement {
    /** An owned rule that sits above {@code admin} in the same chain. */
    public record Misplaced(Rule owned, Rule admin) {
    }

    private Placement() {
    }

    public static List<Misplaced> misplaced(Ruleset rs, Set<String> adminChains) {
        List<Misplaced> out = new ArrayList<>();
        Table filter = rs.table("filter");
        if (filter == null) {
            return out;
        }
        AdminRules admin = null;
        for (Chain c : filter.chains().values()) {
            List<Rule> rules = c.rules();
            if (!anyOwned(rules)) {
                continue; // most chains, and every chain of a host cnifix never changed: no admin test needed
            }
            if (admin == null) {
                admin = new AdminRules(rs, adminChains);
            }
            Rule lowestAdmin = null;
            for (int i = rules.size() - 1; i >= 0; i--) {
                Rule r = rules.get(i);
                if (isOwned(r)) {
                    if (lowestAdmin != null) {
                        out.add(new Misplaced(r, lowestAdmin));
                    }
                } else if (isAdminDecision(r, admin, adminChains)) {
                    lowestAdmin = lowestAdmin == null ? r : lowestAdmin;
                }
            }
        }
        out.sort((a, b) -> Integer.compare(a.owned().line(), b.owned().line()));
        return out;
    }

    private static boolean anyOwned(List<Rule> rules) {
        for (int i = 0, n = rules.size(); i < n; i++) {
            if (isOwned(rules.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isOwned(Rule r) {
        return r.comment() != null && r.comment().startsWith("cnifix: ");
    }

    private static boolean isAdminDecision(Rule r, AdminRules admin, Set<String> adminChains) {
        String callee = AdminRules.callee(r);
        return admin.isAdmin(r) || (callee != null && adminChains.contains(callee));
    }
}
