package io.cnifix.remedy;

import io.cnifix.model.Chain;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.RulesetText;
import io.cnifix.model.nft.NftTable;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * cnifix's changes on a host where firewalld runs, in firewalld's own terms. firewalld 1.3 flushes and deletes every
 * iptables chain on a reload, start or restart (even with its nftables back end), so a plain iptables rule is gone
 * at the next {@code firewall-cmd --reload}; a firewalld direct rule is re-applied by firewalld itself. So where an
 * iptables chain drops, the Docker-shaped accept (and its return-path twin) becomes a direct rule, runtime and
 * permanent, with the same words and the same {@code cnifix:} comment.
 *
 * <p>Where a direct rule lands (measured on firewalld 1.3.3, FirewallBackend=nftables): in the built-in chain itself
 * (no FORWARD_direct chain with the nftables back end), above every rule firewalld did not add, ordered among the
 * direct rules by priority (lower first; equal priorities in the order added). So a direct rule always decides before
 * the admin's plain iptables rules and the engine's jumps in that chain; cnifix's priority {@link #PRIORITY} puts it
 * after the admin's own direct rules of a lower priority (firewalld's documentation uses 0). In memory the rule is put
 * at the top of the chain (below cnifix's own earlier direct rules), the worst case for an admin's rule: the proof then
 * refuses any plan that would let in what an admin rule on the path blocks.
 *
 * <p>A direct rule must name a chain that exists when firewalld re-applies it, before any engine has rebuilt its own
 * chains after the reload: the built-in chain the engine's chain hangs from, never CNI-FORWARD or NETAVARK_FORWARD.
 */
public final class FirewalldDrafts {
    /** The direct priority of cnifix's rules: after the admin's direct rules of a lower priority. */
    public static final int PRIORITY = 100;
    /** {@code Proposal.table()} of a direct rule. */
    public static final String DIRECT = "direct";
    private static final String TABLE = "inet firewalld";

    private FirewalldDrafts() {
    }

    /** Whether firewalld runs on the host: its nftables table is in the ruleset (it removes it when it stops). */
    public static boolean runs(HostState host) {
        return host.nftTables().stream().map(NftTable::label).anyMatch(TABLE::equals);
    }

    /** "ipv4 filter FORWARD": the words firewall-cmd --direct takes for a family and a built-in chain. */
    public static String directChain(Family family, String builtin) {
        return (family == Family.V4 ? "ipv4" : "ipv6") + " filter " + builtin;
    }

    /** The built-in chain of a direct proposal ("FORWARD" of "ipv4 filter FORWARD"). */
    public static String builtin(Proposal p) {
        String[] w = p.chain().split(" ");
        return w[w.length - 1];
    }

    /** The iptables-save line a direct proposal reads back as. */
    public static String line(Proposal p) {
        return "-A " + builtin(p) + " " + p.spec();
    }

    public static boolean isDirect(Proposal p) {
        return p.backend() == Backend.FIREWALLD && DIRECT.equals(p.table());
    }

    /**
     * When firewalld runs, every iptables addition in the filter table becomes a direct rule in the built-in chain its
     * chain hangs from; otherwise the additions as they are.
     */
    public static List<Proposal> redirect(HostState host, List<Proposal> additions) {
        if (!runs(host)) {
            return additions;
        }
        List<Proposal> out = new ArrayList<>();
        for (Proposal p : additions) {
            if (p.backend() != Backend.IPTABLES || !p.table().equals("filter")) {
                out.add(p);
                continue;
            }
            String builtin = builtinOf(host.ruleset(p.family()), p.chain());
            out.add(new Proposal(p.family(), DIRECT, directChain(p.family(), builtin), PRIORITY, p.spec(), p.fixes(),
                    p.why() + "; as a firewalld direct rule, which firewall-cmd --reload keeps", null, Backend.FIREWALLD));
        }
        return out;
    }

    /**
     * When firewalld runs, cnifix's own rules in a built-in filter chain are direct rules (that is how cnifix writes
     * them there): removed through firewalld, runtime and permanent, or a reload would put them back.
     */
    public static List<Removal> redirectRemovals(HostState host, List<Removal> removals) {
        if (!runs(host)) {
            return removals;
        }
        List<Removal> out = new ArrayList<>();
        for (Removal r : removals) {
            out.add(isDirectRule(r) ? new Removal(r.family(), r.rule(), r.why(), Backend.FIREWALLD, null) : r);
        }
        return out;
    }

    private static boolean isDirectRule(Removal r) {
        return r.backend() == Backend.IPTABLES && r.rule() != null && r.rule().table().equals("filter")
                && Set.of("FORWARD", "INPUT", "OUTPUT").contains(r.rule().chain());
    }

    /**
     * Moves below an admin decision make no sense for direct rules: firewalld puts every direct rule above the rules
     * it did not add, so a moved rule would land where it was. Those are left out when firewalld runs.
     */
    public static List<Removal> movable(HostState host, List<Removal> moves) {
        if (!runs(host)) {
            return moves;
        }
        return moves.stream().filter(m -> !isDirectRule(m)).toList();
    }

    /** The built-in chain from which {@code chain} is reached by jumps (itself when built in; FORWARD when unknown). */
    static String builtinOf(Ruleset rules, String chain) {
        if (rules == null || rules.table("filter") == null) {
            return "FORWARD";
        }
        Set<String> seen = new LinkedHashSet<>();
        String at = chain;
        while (at != null && seen.add(at)) {
            Chain c = rules.chain("filter", at);
            if (c != null && c.builtin()) {
                return at;
            }
            at = caller(rules, at);
        }
        return "FORWARD";
    }

    private static String caller(Ruleset rules, String chain) {
        for (Chain c : rules.table("filter").chains().values()) {
            for (Rule r : c.rules()) {
                if (r.text().endsWith(" -j " + chain) || r.text().endsWith(" -g " + chain)
                        || r.text().contains(" -j " + chain + " ") || r.text().contains(" -g " + chain + " ")) {
                    return c.name();
                }
            }
        }
        return null;
    }

    /**
     * The host with the plan's firewalld part in memory: each direct addition at the top of its built-in chain (below
     * the cnifix rules already leading it, as firewalld orders equal priorities), each direct removal gone.
     */
    public static HostState apply(HostState host, List<Proposal> additions, List<Removal> removals) {
        List<Proposal> adds = additions.stream().filter(FirewalldDrafts::isDirect).toList();
        List<Removal> rems = removals.stream().filter(r -> r.backend() == Backend.FIREWALLD && r.rule() != null).toList();
        if (adds.isEmpty() && rems.isEmpty()) {
            return host;
        }
        List<Ruleset> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            Set<Rule> gone = new HashSet<>();
            rems.stream().filter(r -> r.family() == rs.family()).forEach(r -> gone.add(r.rule()));
            List<RulesetText.Insertion> ins = new ArrayList<>();
            java.util.Map<String, Integer> next = new java.util.HashMap<>();
            for (Proposal p : adds) {
                if (p.family() != rs.family() || rs.chain("filter", builtin(p)) == null) {
                    continue;
                }
                int at = next.computeIfAbsent(builtin(p), b -> leadingOwned(rs.chain("filter", b), gone) + 1);
                ins.add(new RulesetText.Insertion("filter", builtin(p), at, line(p)));
                next.put(builtin(p), at + 1);
            }
            if (ins.isEmpty() && gone.isEmpty()) {
                out.add(rs);
            } else {
                out.add(IptablesSaveParser.parse(new InputText(rs.source() + " (with cnifix's firewalld direct rules)",
                        RulesetText.render(rs, ins, gone)), rs.family()));
            }
        }
        return host.withRulesets(out);
    }

    private static int leadingOwned(Chain c, Set<Rule> gone) {
        int n = 0;
        for (Rule r : c.rules()) {
            if (gone.contains(r)) {
                continue;
            }
            if (!OwnedRule.isOwned(r)) {
                break;
            }
            n++;
        }
        return n;
    }

    /**
     * The smaller change an admin may prefer, never made by cnifix: where the iptables FORWARD policy DROP is what
     * closes the port and firewalld runs, firewalld already rejects every forwarded connection no table DNATed (its
     * {@code filter_FORWARD} ends in a reject, after zone dispatch), so that DROP policy is redundant for traffic from
     * outside. One note per plan, or none.
     */
    public static List<String> options(HostState host, List<Proposal> additions) {
        if (!runs(host) || additions.stream().noneMatch(FirewalldDrafts::isDirect)) {
            return List.of();
        }
        Set<Family> dropping = new LinkedHashSet<>();
        for (Proposal p : additions) {
            Ruleset rs = host.ruleset(p.family());
            Chain fwd = rs == null ? null : rs.chain("filter", "FORWARD");
            if (isDirect(p) && fwd != null && "DROP".equals(fwd.policy())) {
                dropping.add(p.family());
            }
        }
        List<String> out = new ArrayList<>();
        for (Family f : dropping) {
            out.add("option, not taken: the " + (f == Family.V4 ? "iptables" : "ip6tables") + " FORWARD policy DROP is"
                    + " redundant next to firewalld, which rejects every forwarded connection it or an engine did not DNAT;"
                    + " '" + (f == Family.V4 ? "iptables" : "ip6tables") + " -P FORWARD ACCEPT' (and the same in the"
                    + " admin's boot-time rules) would be the smaller change; cnifix never changes an admin's policy");
        }
        return out;
    }

    /**
     * Why a gap firewalld itself closes is left alone, with the firewalld way to open it; null when firewalld did not
     * decide. firewalld 1.3 accepts every connection some table DNATed ({@code ct status dnat accept}) before its zones;
     * with firewalld 2.3's {@code StrictForwardPorts=yes} that accept is gone and a published port needs firewalld's own
     * configuration. No rule in another table can override firewalld's reject (a reject in any base chain is final),
     * and a new policy takes effect only at a {@code --reload}, which flushes the engines' iptables rules: so cnifix
     * names the policy instead of writing it.
     */
    public static String rejectedByFirewalld(io.cnifix.engine.Decider decidedBy, io.cnifix.model.PortMapping m, String bridge) {
        if (!(decidedBy instanceof io.cnifix.engine.Decider.ByNftRule n) || !n.table().equals(TABLE)) {
            return null;
        }
        String family = m.containerIp().isV4() ? "ipv4" : "ipv6";
        return "closed by firewalld itself (StrictForwardPorts=yes, or no zone or policy allows it), which no rule elsewhere"
                + " can override; cnifix does not write firewalld policies (a new one needs a reload, which flushes the"
                + " engines' iptables rules). The firewalld way: firewall-cmd --permanent --new-policy cnifix-forward;"
                + " firewall-cmd --permanent --policy cnifix-forward --add-ingress-zone ANY --add-egress-zone <the zone of "
                + (bridge == null ? "the container's bridge" : bridge) + ">; firewall-cmd --permanent --policy cnifix-forward"
                + " --add-rich-rule 'rule family=\"" + family + "\" destination address=\"" + m.containerIp() + "\" port port=\""
                + m.containerPort() + "\" protocol=\"" + m.protocol() + "\" accept'; firewall-cmd --reload; then"
                + " 'podman network reload --all' (or the engine's own service) for the DNAT the reload removed";
    }

    /** firewall-cmd commands for the plan's firewalld part: runtime, then permanent, for each change. */
    public static List<String> commands(Plan plan) {
        List<String> out = new ArrayList<>();
        for (Removal r : plan.removals(Backend.FIREWALLD)) {
            if (r.rule() == null) {
                continue;
            }
            String args = direct(r.family(), r.rule().chain(), PRIORITY, r.rule().text().substring(("-A " + r.rule().chain() + " ").length()));
            out.add("firewall-cmd --direct --remove-rule " + args);
            out.add("firewall-cmd --permanent --direct --remove-rule " + args);
        }
        for (Proposal p : plan.additions(Backend.FIREWALLD)) {
            if (!isDirect(p)) {
                continue;
            }
            String args = direct(p.family(), builtin(p), p.position(), p.spec());
            out.add("firewall-cmd --direct --add-rule " + args);
            out.add("firewall-cmd --permanent --direct --add-rule " + args);
        }
        return out;
    }

    private static String direct(Family f, String builtin, int priority, String spec) {
        StringBuilder sb = new StringBuilder(directChain(f, builtin)).append(' ').append(priority);
        for (String w : io.cnifix.ingest.RuleTokens.words(spec)) {
            sb.append(' ').append(Scripts.shellQuote(w));
        }
        return sb.toString();
    }
}
