package io.cnifix.system;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;
import io.cnifix.remedy.Scripts;
import io.cnifix.remedy.Undo;

import java.util.ArrayList;
import java.util.List;

/** iptables or ip6tables: one iptables-restore --noflush transaction per family, undone by another (see Undo). */
public final class IptablesDriver implements FirewallDriver {
    private final Family family;
    private final Firewall firewall;

    public IptablesDriver(Family family, Firewall firewall) {
        this.family = family;
        this.firewall = firewall;
    }

    @Override
    public Backend backend() {
        return Backend.IPTABLES;
    }

    @Override
    public String name() {
        return family == Family.V4 ? "iptables" : "ip6tables";
    }

    @Override
    public boolean touches(Plan plan) {
        return plan.touches(family);
    }

    @Override
    public String save(StateSources read) {
        for (InputText t : read.rules()) {
            if (IptablesSaveParser.familyOf(t) == family) {
                return t.content();
            }
        }
        return firewall.dump(family).content();
    }

    @Override
    public String backupSuffix() {
        return family == Family.V4 ? ".v4.rules" : ".v6.rules";
    }

    @Override
    public ProcessRunner.Result apply(Plan plan) {
        return firewall.applyNoflush(family, Scripts.restore(plan, family));
    }

    private Ruleset now() {
        return IptablesSaveParser.parse(firewall.dump(family), family);
    }

    @Override
    public HostState readBack(HostState host) {
        Ruleset now = now();
        List<Ruleset> out = new ArrayList<>();
        boolean had = false;
        for (Ruleset rs : host.rulesets()) {
            had |= rs.family() == family;
            out.add(rs.family() == family ? now : rs);
        }
        if (!had) {
            out.add(now);
        }
        return host.withRulesets(out);
    }

    @Override
    public List<String> notInEffect(Plan plan, HostState after) {
        Ruleset rs = after.ruleset(family);
        List<String> out = new ArrayList<>();
        List<Proposal> added = plan.additions(Backend.IPTABLES).stream().filter(p -> p.family() == family).toList();
        for (Proposal p : added) {
            if (!present(rs, p.chain(), p.line())) {
                out.add("rule not found after apply: " + p.line());
            }
        }
        for (Removal r : plan.removals(Backend.IPTABLES)) {
            Rule gone = r.rule();
            if (r.family() != family || added.stream().anyMatch(p -> p.line().equals(gone.text()))) {
                continue; // a move: the new copy is checked above, its place by the placement check
            }
            if (present(rs, gone.chain(), gone.text())) {
                out.add("rule still present after apply: " + gone.text());
            }
        }
        return out;
    }

    private static boolean present(Ruleset rs, String chain, String text) {
        var c = rs.chain("filter", chain);
        return c != null && c.rules().stream().anyMatch(r -> r.text().equals(text));
    }

    @Override
    public ProcessRunner.Result undo(Plan plan) {
        String script = Undo.script(plan, family, now());
        return script == null ? null : firewall.applyNoflush(family, script);
    }

    @Override
    public List<String> left(Plan plan) {
        return Undo.left(plan, family, now());
    }
}
