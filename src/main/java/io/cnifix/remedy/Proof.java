package io.cnifix.remedy;

import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.Exposure;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Cidr;
import io.cnifix.model.HostState;
import io.cnifix.model.PortRange;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.RulesetText;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a plan before it is shown or applied: with the rules changed in memory, every targeted port must be
 * accepted (or still blocked only where an admin rule blocked it), no admin-blocked source may open up, and no
 * new exposure may appear. Also used after an apply, on the ruleset read back from the kernel.
 */
public final class Proof {
    private final HostState host;
    private final DockerModel model;
    private final Set<String> admin;

    public Proof(HostState host, DockerModel model, Set<String> admin) {
        this.host = host;
        this.model = model;
        this.admin = admin;
    }

    /**
     * The host with the plan applied in memory, each back end's part in its own terms: iptables rules rendered and
     * parsed back as the kernel would list them; nftables and firewalld changes by their back end's editor.
     */
    public static HostState applied(HostState host, List<Proposal> additions, List<Removal> removals) {
        return FirewalldDrafts.apply(NftDrafts.apply(host.withRulesets(edited(host, additions, removals)), additions, removals),
                additions, removals);
    }

    /** The host's iptables rulesets with the plan's iptables part applied, rendered and parsed back. */
    public static List<Ruleset> edited(HostState host, List<Proposal> additions, List<Removal> removals) {
        List<Ruleset> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            List<RulesetText.Insertion> ins = new ArrayList<>();
            for (Proposal p : additions) {
                if (p.family() == rs.family() && p.backend() == Backend.IPTABLES) {
                    ins.add(new RulesetText.Insertion(p.table(), p.chain(), p.position(), p.line()));
                }
            }
            Set<Rule> rem = new HashSet<>();
            for (Removal r : removals) {
                if (r.family() == rs.family() && r.backend() == Backend.IPTABLES) {
                    rem.add(r.rule());
                }
            }
            if (ins.isEmpty() && rem.isEmpty()) {
                out.add(rs);
            } else {
                out.add(IptablesSaveParser.parse(new InputText(rs.source() + " (with cnifix's changes)",
                        RulesetText.render(rs, ins, rem)), rs.family()));
            }
        }
        return out;
    }

    List<String> check(DiffReport before, List<Proposal> additions, List<Removal> removals) {
        HostState after = applied(host, additions, removals);
        return compare(before, new Comparer(after, model, admin).compare(), additions);
    }

    /** Problems in {@code after} relative to {@code before} for the ports the additions target. */
    public static List<String> compare(DiffReport before, DiffReport after, List<Proposal> additions) {
        List<String> problems = new ArrayList<>();
        java.util.Map<io.cnifix.model.PortMapping, PortReport> beforeByMapping = byMapping(before);
        java.util.Map<io.cnifix.model.PortMapping, PortReport> afterByMapping = byMapping(after);
        for (Proposal p : additions) {
            PortReport was = beforeByMapping.get(p.fixes());
            PortReport now = afterByMapping.get(p.fixes());
            String label = p.fixes().containerName() + " " + p.fixes().protocol() + "/" + p.fixes().hostPort();
            if (now == null) {
                problems.add(label + ": no longer judged");
                continue;
            }
            boolean adminBlockedBefore = was != null && was.sources().stream().anyMatch(g -> g.admin() && !g.outcome().equals("accept"));
            if (now.status() == PortStatus.BLOCKED && adminBlockedBefore) {
                continue;
            }
            if (now.status() != PortStatus.OK) {
                problems.add(label + ": still " + now.status().id + " (" + now.why() + ")");
            } else if (adminBlockedBefore) {
                problems.add(label + ": an admin rule blocked some sources before, and the change would let them in");
            }
        }
        for (Exposure e : after.exposures()) {
            if (!coveredBy(e, before.exposures())) {
                problems.add("new exposure: " + e.containerIp() + " " + e.protocol() + " " + e.ports()
                        + " from " + (e.sources() == null ? "any" : e.sources()));
            }
        }
        return problems;
    }

    /** Whether every port and source of {@code e} was already exposed before (regrouping is not a new exposure). */
    private static boolean coveredBy(Exposure e, List<Exposure> before) {
        List<PortRange> was = new ArrayList<>();
        for (Exposure b : before) {
            if (b.containerIp().equals(e.containerIp()) && b.protocol().equals(e.protocol()) && sourcesCovered(e.sources(), b.sources())) {
                was.addAll(b.ports());
            }
        }
        was.sort((a, b) -> Integer.compare(a.first(), b.first()));
        for (PortRange r : e.ports()) {
            int next = r.first();
            for (PortRange w : was) {
                if (w.first() <= next && w.last() >= next) {
                    next = w.last() + 1;
                }
            }
            if (next <= r.last()) {
                return false;
            }
        }
        return true;
    }

    private static boolean sourcesCovered(List<Cidr> now, List<Cidr> was) {
        if (was == null) {
            return true;
        }
        if (now == null) {
            return false;
        }
        for (Cidr c : now) {
            if (was.stream().noneMatch(w -> w.prefix() <= c.prefix() && w.contains(c.base()))) {
                return false;
            }
        }
        return true;
    }

    /** Each mapping's first report: found by a scan per proposal before, 10,000 x 10,000 on a big host. */
    private static java.util.Map<io.cnifix.model.PortMapping, PortReport> byMapping(DiffReport r) {
        java.util.Map<io.cnifix.model.PortMapping, PortReport> out = new java.util.HashMap<>();
        for (PortReport pr : r.ports()) {
            out.putIfAbsent(pr.mapping(), pr);
        }
        return out;
    }
}
