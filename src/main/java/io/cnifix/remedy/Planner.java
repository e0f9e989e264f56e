package io.cnifix.remedy;

import io.cnifix.engine.Trace;
import io.cnifix.engine.TraceStep;
import io.cnifix.engine.compare.AdminRules;
import io.cnifix.engine.compare.Comparer;
import io.cnifix.engine.compare.Placement;
import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.DockerModel;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.engine.compare.RootlessInput;
import io.cnifix.engine.Decider;
import io.cnifix.engine.compare.SourceGroup;
import io.cnifix.model.Chain;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Intent;
import io.cnifix.model.Match;
import io.cnifix.model.Network;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Target;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the gaps of a diff into the smallest set of Docker-shaped ACCEPTs, placed after every admin rule on the
 * packets' path, and (with prune) the removal of cnifix's own rules that no published port needs any more; then
 * proves the plan on the in-memory ruleset before anyone sees it.
 */
public final class Planner {
    /** Where --chain/--position put the rules instead of the automatic placement; position null means "top". */
    public record ChainOverride(String chain, Integer position) {
    }

    private final HostState host;
    private final DockerModel model;
    private final Set<String> extraAdmin;
    private final ChainOverride override;
    /** Additions in native nftables chains: positioned by handle when drafted (see NftDrafts). */
    private final List<Proposal> nftAdds = new ArrayList<>();
    /** Per rule set (by identity), its filter rules' specs to the chain holding each: see chainHolding. */
    private final Map<Ruleset, Map<String, String>> holders = new java.util.IdentityHashMap<>();
    /** The family and spec of each draft in draftsSeen, in order: see drafted. */
    private List<Draft> draftsSeen;
    private final Set<String> draftKeys = new java.util.HashSet<>();
    private int draftsCounted;

    public Planner(HostState host, DockerModel model, Set<String> extraAdmin, ChainOverride override) {
        this.host = host;
        this.model = model;
        this.extraAdmin = extraAdmin;
        this.override = override;
    }

    /** An addition before positions are fixed: insert after {@code anchor} (null: at the top, or at a forced position). */
    private record Draft(Family family, String chain, Rule anchor, Integer forced, String spec, PortMapping fixes, String why) {
    }

    public Plan plan(boolean add, boolean prune) {
        Comparer comparer = new Comparer(host, model, extraAdmin);
        List<Removal> moves = add ? FirewalldDrafts.movable(host, misplaced(comparer.adminChains())) : List.of();
        if (!moves.isEmpty()) {
            // A move is a delete and a fresh insert in one transaction: plan as if the misplaced rules were gone.
            List<Ruleset> without = new ArrayList<>();
            for (Ruleset rs : host.rulesets()) {
                without.add(rs.without(moves.stream().filter(m -> m.family() == rs.family()).map(Removal::rule).toList()));
            }
            Plan rest = new Planner(host.withRulesets(without), model, extraAdmin, override).plan(add, prune);
            List<Removal> removals = new ArrayList<>(moves);
            removals.addAll(rest.removals());
            return new Plan(rest.additions(), removals, rest.untouched(), rest.proofProblems());
        }
        DiffReport before = comparer.compare();
        List<Draft> drafts = new ArrayList<>();
        List<String> untouched = new ArrayList<>();
        if (add) {
            for (PortReport p : before.ports()) {
                draft(comparer, p, drafts, untouched);
            }
        }
        List<Removal> removals = prune ? stale() : List.of();
        List<Proposal> additions = withNft(position(drafts, removals));
        if (add && replyDrafts(additions, removals, drafts, untouched)) {
            additions = withNft(position(drafts, removals));
        }
        additions = FirewalldDrafts.redirect(host, additions);
        untouched.addAll(FirewalldDrafts.options(host, additions));
        List<String> problems = additions.isEmpty() && removals.isEmpty() ? List.of()
                : new Proof(host, model, extraAdmin).check(before, additions, removals);
        return new Plan(additions, removals, untouched, problems, before);
    }

    private void draft(Comparer comparer, PortReport p, List<Draft> drafts, List<String> untouched) {
        PortMapping m = p.mapping();
        String label = m.containerName() + " " + m.protocol() + "/" + m.hostPort();
        switch (p.status()) {
            case OK, NOT_EXPOSED -> {
                return;
            }
            case BLOCKED -> {
                untouched.add(label + ": " + (p.why().startsWith("kept closed on purpose") ? p.why()
                        : "blocked by an admin rule, left as the admin wants it"));
                return;
            }
            case MISSING_DNAT -> {
                untouched.add(label + ": " + p.why() + " (an ACCEPT cannot fix that: the engine must write its DNAT again)");
                return;
            }
            case UNKNOWN -> {
                untouched.add(label + ": " + p.why());
                return;
            }
            default -> {
            }
        }
        if (rootless(m)) {
            draftInput(p, drafts, untouched, label);
            return;
        }
        SourceGroup gap = p.sources().stream()
                .filter(g -> (g.outcome().equals("drop") || g.outcome().equals("reject")) && !g.admin())
                .findFirst().orElse(null);
        String byFirewalld = gap == null ? null : FirewalldDrafts.rejectedByFirewalld(gap.decidedBy(), m, p.bridge());
        if (byFirewalld != null) {
            untouched.add(label + ": " + byFirewalld);
            return;
        }
        if (gap == null || p.bridge() == null) {
            untouched.add(label + ": " + p.why() + (p.bridge() == null ? " (the container's bridge is not known)" : ""));
            return;
        }
        Family family = m.containerIp().family();
        Trace[] trace = {comparer.traceOf(m, gap)};
        NftDrafts.Spot spot = NftDrafts.spot(host, trace[0]);
        if (spot != null) {
            draftNft(spot, specs(m, family, c -> RuleShape.nftSpec(m, p.bridge(), c)), m, p.why(), untouched,
                    there -> label + ": cnifix's rule is in " + there + " already, yet the port is still closed: " + p.why());
            return;
        }
        Ruleset rules = host.ruleset(family);
        draftEach(family, rules, specs(m, family, c -> RuleShape.spec(m, p.bridge(), model, c)), drafts, untouched,
                there -> label + ": cnifix's rule is in " + there + " already, yet the port is still closed: " + p.why(),
                spec -> {
                    trace[0] = trace[0] != null ? trace[0] : comparer.traceOf(m, gap);
                    return placed(family, rules, comparer.admin(family), comparer.adminChains(), trace[0], spec, m, p.why());
                });
    }

    /** One rule per source the container's ports are declared open to, or one open to all: {@code shape(null)}. */
    private List<String> specs(PortMapping m, Family family, java.util.function.Function<io.cnifix.model.Cidr, String> shape) {
        Intent intent = intentOf(m);
        return intent != null && intent.restricts(m) ? intent.allowed(family).stream().map(shape).toList()
                : java.util.Collections.singletonList(shape.apply(null));
    }

    /**
     * Drafts each spec not drafted yet; one whose rule is in the chain already is left alone, with {@code present}'s
     * message naming the chain that holds it. True when something was drafted.
     */
    private boolean draftEach(Family family, Ruleset rules, List<String> specs, List<Draft> drafts, List<String> untouched,
                                     java.util.function.Function<String, String> present,
                                     java.util.function.Function<String, Draft> draft) {
        boolean added = false;
        for (String spec : specs) {
            if (drafted(drafts, family, spec)) {
                continue;
            }
            String there = chainHolding(rules, spec);
            if (there != null) {
                untouched.add(present.apply(there));
                continue;
            }
            drafts.add(draft.apply(spec));
            added = true;
        }
        return added;
    }

    /**
     * Where the engine's own accept for replies lives in another table (netavark's or Docker 29's nftables table), a
     * Docker-shaped accept lets the client's first packet in and the container's answer still dies on the same drop.
     * Judged with the first drafts in place: for each port whose reply is dropped by something not an admin rule,
     * a return-path accept narrowed to the container's address, port and bridge, placed like the first rule.
     */
    private boolean replyDrafts(List<Proposal> additions, List<Removal> removals, List<Draft> drafts, List<String> untouched) {
        HostState edited = additions.isEmpty() && removals.isEmpty() ? host : Proof.applied(host, additions, removals);
        Comparer comparer = new Comparer(edited, model, extraAdmin);
        boolean added = false;
        for (PortReport p : comparer.compare().ports()) {
            SourceGroup dead = p.sources().stream()
                    .filter(g -> (g.outcome().equals("reply-drop") || g.outcome().equals("reply-reject")) && !g.admin())
                    .findFirst().orElse(null);
            if (dead == null || p.bridge() == null || p.status() != PortStatus.GAP) {
                continue;
            }
            PortMapping m = p.mapping();
            Family family = m.containerIp().family();
            Trace reply = comparer.replyTraceOf(m, dead);
            if (reply == null) {
                continue;
            }
            NftDrafts.Spot spot = NftDrafts.spot(host, reply);
            if (spot != null) {
                int had = nftAdds.size();
                draftNft(spot, specs(m, family, c -> RuleShape.nftReplySpec(m, p.bridge(), c)), m,
                        "the container's answer is dropped: " + p.why(), untouched,
                        there -> m.containerName() + " " + m.protocol() + "/" + m.hostPort() + ": cnifix's return-path rule is in "
                                + there + " already, yet the reply is still dropped: " + p.why());
                added |= nftAdds.size() > had;
                continue;
            }
            Ruleset rules = host.ruleset(family);
            added |= draftEach(family, rules, specs(m, family, c -> RuleShape.replySpec(m, p.bridge(), c)), drafts, untouched,
                    there -> m.containerName() + " " + m.protocol() + "/" + m.hostPort() + ": cnifix's return-path rule is in "
                            + there + " already, yet the reply is still dropped: " + p.why(),
                    spec -> placed(family, rules, comparer.admin(family), comparer.adminChains(), reply, spec, m,
                            "the container's answer is dropped: " + p.why()));
        }
        return added;
    }

    /** nft additions for one port at {@code spot}, each spec once; one already in a chain is reported, not added. */
    private void draftNft(NftDrafts.Spot spot, List<String> specs, PortMapping m, String why, List<String> untouched,
                          java.util.function.Function<String, String> present) {
        for (String spec : specs) {
            if (nftAdds.stream().anyMatch(a -> a.spec().equals(spec))) {
                continue;
            }
            String there = NftDrafts.holding(host, spec);
            if (there != null) {
                untouched.add(present.apply(there));
                continue;
            }
            nftAdds.add(NftDrafts.proposal(spot, m, spec, why));
        }
    }

    private List<Proposal> withNft(List<Proposal> iptables) {
        List<Proposal> all = new ArrayList<>(iptables);
        all.addAll(nftAdds);
        return all;
    }

    private boolean rootless(PortMapping m) {
        io.cnifix.model.Container c = host.container(m.containerId());
        return c != null && c.rootless();
    }

    /**
     * A rootless port kept closed by the host's INPUT default: an accept for the host port in INPUT, right above the
     * unconditional rule that rejects it (or last, before the policy), so every admin rule above still decides first.
     */
    private void draftInput(PortReport p, List<Draft> drafts, List<String> untouched, String label) {
        PortMapping m = p.mapping();
        Family family = m.hostIp() != null ? m.hostIp().family() : Family.V4;
        Ruleset rules = host.ruleset(family);
        Chain input = rules == null ? null : rules.chain("filter", "INPUT");
        Rule catchAll = p.decidedBy() instanceof Decider.ByRule r && RootlessInput.catchAll(r.rule()) ? r.rule() : null;
        boolean byPolicy = p.decidedBy() instanceof Decider.ByPolicy bp && RootlessInput.catchAll(bp);
        if (input == null || (catchAll == null && !byPolicy)) {
            untouched.add(label + ": " + p.why());
            return;
        }
        Rule anchor = null;
        for (Rule r : input.rules()) {
            if (r == catchAll) {
                break;
            }
            anchor = r;
        }
        Rule after = anchor;
        draftEach(family, rules, specs(m, family, c -> RuleShape.inputSpec(m, c)), drafts, untouched,
                there -> label + ": cnifix's INPUT rule is there already, yet the port is still closed: " + p.why(),
                spec -> new Draft(family, "INPUT", after, after == null ? 1 : null, spec, m, p.why()));
    }

    /**
     * The first filter chain holding the rule {@code -A CHAIN spec}, or null. Looked up in an index of the rule set's
     * filter rules made once: scanning every rule for every draft made a 2,000-container host's suggest take minutes.
     */
    private String chainHolding(Ruleset rules, String spec) {
        return holders.computeIfAbsent(rules, Planner::specsByChain).get(spec);
    }

    /** Each filter rule's text after "-A CHAIN ", to the first chain (in the set's order) that holds it. */
    private static Map<String, String> specsByChain(Ruleset rules) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Chain c : rules.table("filter").chains().values()) {
            String prefix = "-A " + c.name() + " ";
            for (Rule r : c.rules()) {
                String text = r.text();
                if (text.startsWith(prefix)) {
                    out.putIfAbsent(text.substring(prefix.length()), c.name());
                }
            }
        }
        return out;
    }

    /** Whether {@code drafts} holds a draft of {@code spec} for {@code family} (drafts are only ever appended to). */
    private boolean drafted(List<Draft> drafts, Family family, String spec) {
        if (drafts != draftsSeen) {
            draftsSeen = drafts;
            draftKeys.clear();
            draftsCounted = 0;
        }
        for (; draftsCounted < drafts.size(); draftsCounted++) {
            draftKeys.add(drafts.get(draftsCounted).family() + " " + drafts.get(draftsCounted).spec());
        }
        return draftKeys.contains(family + " " + spec);
    }

    private Intent intentOf(PortMapping m) {
        io.cnifix.model.Container c = host.container(m.containerId());
        return c == null ? null : c.intent();
    }

    private Draft placed(Family family, Ruleset rules, AdminRules admin, Set<String> adminChains, Trace t, String spec,
                         PortMapping m, String why) {
        if (override != null) {
            if (rules.chain("filter", override.chain()) == null) {
                throw new IllegalArgumentException("--chain " + override.chain() + ": no such chain in the filter table");
            }
            return new Draft(family, override.chain(), null, override.position() == null ? 1 : override.position(), spec, m, why);
        }
        List<TraceStep> steps = new ArrayList<>();
        for (TraceStep s : t.path()) {
            if (s.rule().table().equals("filter")) {
                steps.add(s);
            }
        }
        String preferred = preferredChain(m, rules, steps);
        int engineEnd = -1;
        int lastAdmin = -1;
        for (int i = 0; i < steps.size(); i++) {
            Rule r = steps.get(i).rule();
            if (r.chain().equals(preferred)) {
                engineEnd = i;
            }
            String callee = AdminRules.callee(r);
            if (admin.isAdmin(r) || (callee != null && adminChains.contains(callee))) {
                lastAdmin = i;
            }
        }
        boolean adminAfterEngine = lastAdmin > engineEnd && !steps.get(lastAdmin).rule().chain().equals(preferred);
        if (preferred != null && engineEnd >= 0 && !adminAfterEngine) {
            return new Draft(family, preferred, anchorIn(rules.chain("filter", preferred), adminChains), null, spec, m, why);
        }
        Rule anchor = null;
        for (int i = 0; i <= lastAdmin; i++) {
            if (steps.get(i).rule().chain().equals("FORWARD")) {
                anchor = steps.get(i).rule();
            }
        }
        return new Draft(family, "FORWARD", anchor, null, spec, m, why);
    }

    /** The engine chain the port's network uses, if the packet passed through it. */
    private String preferredChain(PortMapping m, Ruleset rules, List<TraceStep> steps) {
        String backend = null;
        for (Network n : host.networks()) {
            if (n.contains(m.containerIp())) {
                backend = n.backend();
            }
        }
        List<String> candidates = "netavark".equals(backend) ? List.of("NETAVARK_FORWARD", "CNI-FORWARD")
                : List.of("CNI-FORWARD", "NETAVARK_FORWARD");
        for (String c : candidates) {
            if (rules.chain("filter", c) != null && steps.stream().anyMatch(s -> s.rule().chain().equals(c))) {
                return c;
            }
        }
        return null;
    }

    /** In CNI-FORWARD: after the jump to the admin chain. In NETAVARK_FORWARD: after the INVALID drop. Else the top. */
    private static Rule anchorIn(Chain chain, Set<String> adminChains) {
        Rule anchor = null;
        for (Rule r : chain.rules()) {
            String callee = AdminRules.callee(r);
            if (callee != null && adminChains.contains(callee)) {
                anchor = r;
            }
            if (r.target() instanceof Target.Drop && isInvalidOnly(r)) {
                anchor = anchor == null || anchor.number() < r.number() ? r : anchor;
            }
        }
        return anchor;
    }

    private static boolean isInvalidOnly(Rule r) {
        for (Match m : r.matches()) {
            if (m instanceof Match.Conntrack ct) {
                for (Match.CtCondition c : ct.conditions()) {
                    if (c instanceof Match.CtStates s && !s.status() && !s.negated() && s.names().equals(Set.of("INVALID"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** cnifix's own rules that sit above an admin decision in their chain (see {@link Placement}). */
    private List<Removal> misplaced(Set<String> adminChains) {
        List<Removal> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            for (Placement.Misplaced m : Placement.misplaced(rs, adminChains)) {
                out.add(new Removal(rs.family(), m.owned(), "sits above the admin rule " + m.admin().source() + ":"
                        + m.admin().line() + "; moved below it"));
            }
        }
        return out;
    }

    /** cnifix's own rules that open an address and port no published mapping has now. */
    private List<Removal> stale() {
        List<Removal> out = new ArrayList<>(FirewalldDrafts.redirectRemovals(host, Ownership.stale(host)));
        out.addAll(NftOwnership.stale(host));
        return out;
    }

    /** Fixes each draft's 1-based position in its chain as it will be after the removals and earlier insertions. */
    private List<Proposal> position(List<Draft> drafts, List<Removal> removals) {
        Set<Rule> removed = new HashSet<>();
        removals.forEach(r -> removed.add(r.rule()));
        List<int[]> order = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            order.add(new int[] {i, base(drafts.get(i), removed)});
        }
        order.sort((a, b) -> Integer.compare(a[1], b[1]));
        Map<String, Integer> placedIn = new LinkedHashMap<>();
        Proposal[] out = new Proposal[drafts.size()];
        for (int[] o : order) {
            Draft d = drafts.get(o[0]);
            String key = d.family() + "/" + d.chain();
            int before = placedIn.merge(key, 1, Integer::sum) - 1;
            out[o[0]] = new Proposal(d.family(), "filter", d.chain(), o[1] + before, d.spec(), d.fixes(), d.why(),
                    d.anchor() == null ? null : d.anchor().text());
        }
        List<Proposal> list = new ArrayList<>(List.of(out));
        list.sort((a, b) -> a.chain().equals(b.chain()) ? Integer.compare(a.position(), b.position()) : 0);
        return list;
    }

    private int base(Draft d, Set<Rule> removed) {
        if (d.forced() != null) {
            return d.forced();
        }
        if (d.anchor() == null) {
            return 1;
        }
        int kept = 0;
        for (Rule r : host.ruleset(d.family()).chain("filter", d.chain()).rules()) {
            if (!removed.contains(r)) {
                kept++;
            }
            if (r.equals(d.anchor())) {
                break;
            }
        }
        return kept + 1;
    }
}
