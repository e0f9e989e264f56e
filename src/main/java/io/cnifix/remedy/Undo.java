package io.cnifix.remedy;

import io.cnifix.model.Chain;
import io.cnifix.model.Family;
import io.cnifix.model.Ruleset;

import java.util.ArrayList;
import java.util.List;

/**
 * The inverse of cnifix's own transaction, written against the ruleset as it reads now: delete what the plan added,
 * put back what it removed, each by its full rule text in a --noflush script. Never a whole-table restore, so a
 * change another program made in the meantime (Podman removing a container's rules, an admin's insert) stays.
 */
public final class Undo {
    private Undo() {
    }

    /** The --noflush input that undoes {@code plan} for {@code family}, or null when nothing of it is in place. */
    public static String script(Plan plan, Family family, Ruleset now) {
        StringBuilder sb = new StringBuilder();
        java.util.Set<String> deleted = new java.util.HashSet<>();
        for (Proposal p : plan.additions(Backend.IPTABLES)) {
            if (p.family() == family && present(now, p.chain(), p.line())) {
                sb.append("-D").append(p.line().substring(2)).append('\n');
                deleted.add(p.line());
            }
        }
        for (Removal r : plan.removals(Backend.IPTABLES)) {
            // A move deletes and re-adds the same text: once the new copy is deleted above, the old one must come back.
            boolean stays = present(now, r.rule().chain(), r.rule().text()) && !deleted.contains(r.rule().text());
            if (r.family() != family || stays) {
                continue;
            }
            Chain c = now.chain("filter", r.rule().chain());
            if (c == null) {
                continue;
            }
            // Back where it was, or last when the chain is shorter now.
            int at = Math.min(r.rule().number(), c.rules().size() + 1);
            sb.append("-I ").append(r.rule().chain()).append(' ').append(at)
                    .append(r.rule().text().substring(("-A " + r.rule().chain()).length())).append('\n');
        }
        return sb.length() == 0 ? null : "*filter\n" + sb + "COMMIT\n";
    }

    /** What of {@code plan} is still in effect on {@code now}: added rules still there, removed rules still gone. */
    public static List<String> left(Plan plan, Family family, Ruleset now) {
        List<String> out = new ArrayList<>();
        for (Proposal p : plan.additions(Backend.IPTABLES)) {
            if (p.family() == family && present(now, p.chain(), p.line())) {
                out.add("added and still there: " + p.line());
            }
        }
        for (Removal r : plan.removals(Backend.IPTABLES)) {
            if (r.family() == family && now.chain("filter", r.rule().chain()) != null && !present(now, r.rule().chain(), r.rule().text())
                    && plan.additions(Backend.IPTABLES).stream().noneMatch(p -> p.line().equals(r.rule().text()))) {
                out.add("removed and not put back: " + r.rule().text());
            }
        }
        return out;
    }

    static boolean present(Ruleset rs, String chain, String text) {
        Chain c = rs.chain("filter", chain);
        return c != null && c.rules().stream().anyMatch(r -> r.text().equals(text));
    }
}
