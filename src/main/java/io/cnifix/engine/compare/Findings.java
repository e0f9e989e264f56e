package io.cnifix.engine.compare;

import io.cnifix.model.Chain;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;
import io.cnifix.model.Match;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Side;
import io.cnifix.model.Table;
import io.cnifix.model.Target;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Structural problems that make ports fail in ways a single trace does not explain: engine chains nothing jumps
 * to (after a firewall reload, say) and rules left behind for containers that are gone.
 */
final class Findings {
    /** The kind of finding that needs fixing like a gap: an owned rule above an admin decision. */
    static final String MISPLACED = "misplaced-rule";
    private final HostState host;
    private final Set<String> adminChains;

    Findings(HostState host, Set<String> adminChains) {
        this.host = host;
        this.adminChains = adminChains;
    }

    List<Finding> all() {
        List<Finding> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            unreferenced(rs, "filter", List.of("FORWARD", "INPUT", "OUTPUT"), "unreferenced-chain", out);
            unreferenced(rs, "nat", List.of("PREROUTING", "OUTPUT", "INPUT", "POSTROUTING"), "unreferenced-dnat-chain", out);
            stale(rs, out);
            ruleByRule(rs, !host.matchFacts().assumeHistory(), out);
            boolean firewalld = host.nftTables().stream().anyMatch(t -> t.label().equals("inet firewalld"));
            for (Placement.Misplaced m : Placement.misplaced(rs, adminChains)) {
                // firewalld puts every direct rule above the rules it did not add: cnifix cannot move its own below
                boolean direct = firewalld && List.of("FORWARD", "INPUT", "OUTPUT").contains(m.owned().chain());
                out.add(new Finding(MISPLACED, "filter", m.owned().chain(), m.owned(), "cnifix's rule sits above the admin rule "
                        + m.admin().source() + ":" + m.admin().line() + " (" + m.admin().text() + "), so that admin rule no longer"
                        + " decides its packets; " + (direct ? "it is a firewalld direct rule, which firewalld keeps above every rule"
                        + " it did not add: make the admin's rule a direct rule of a priority below 100, or remove cnifix's"
                        + " (`cnifix uninstall --apply`)" : "`cnifix suggest --apply` moves it below")));
            }
        }
        return out;
    }

    /**
     * The findings that look at one rule at a time, in one pass over every rule (a host may hold 100,000): rules that
     * never match, then, with {@code history}, rules judged for a source with no history. Indexed loops, since every
     * iterator is an allocation where the JIT is C1 alone.
     */
    private static void ruleByRule(Ruleset rs, boolean history, List<Finding> out) {
        List<Finding> assumed = new ArrayList<>();
        for (Table t : rs.tables().values()) {
            for (Chain c : t.chains().values()) {
                List<Rule> rules = c.rules();
                for (int i = 0, n = rules.size(); i < n; i++) {
                    Rule r = rules.get(i);
                    List<Match> matches = r.matches();
                    boolean stateful = false;
                    for (int j = 0, k = matches.size(); j < k; j++) {
                        Match m = matches.get(j);
                        if (m instanceof Match.Stateful && !stateful) {
                            stateful = true;
                            if (history) {
                                assumed.add(assumption(t, c, r, (Match.Stateful) m));
                            }
                        }
                        neverMatching(t, c, r, m, out);
                    }
                }
            }
        }
        out.addAll(assumed);
    }

    /** Rules judged for a first connection from a quiet source: say so, since a busy source may fare otherwise. */
    private static Finding assumption(Table t, Chain c, Rule r, Match.Stateful st) {
        return new Finding("assumption", t.name(), c.name(), r, "-m " + st.module() + " judged for the"
                + " first connection from a source with no history (" + r.source() + ":" + r.line()
                + "); a source that connected before may fare otherwise; --assume-history leaves it unknown");
    }

    private static boolean reversed(Match.Ports p) {
        List<Match.PortCondition> conditions = p.conditions();
        for (int i = 0, n = conditions.size(); i < n; i++) {
            if (conditions.get(i) instanceof Match.PortNever never && !never.negated()) {
                return true;
            }
        }
        return false;
    }

    /** A reversed port range, which the kernel keeps and which matches no packet; a DNAT for the unspecified address. */
    private static void neverMatching(Table t, Chain c, Rule r, Match m, List<Finding> out) {
        if (m instanceof Match.Ports p && reversed(p)) {
            out.add(new Finding("never-matches", t.name(), c.name(), r, "a reversed port range ("
                    + r.source() + ":" + r.line() + "): the kernel holds it and it matches no port, so"
                    + " this rule never matches; write the range low:high if it was meant to"));
        }
        if (m instanceof Match.Address a && a.side() == io.cnifix.model.Side.DESTINATION && !a.negated()
                && a.cidr().isHost() && a.cidr().base().isUnspecified() && r.target() instanceof io.cnifix.model.Target.Nat n
                && n.destination()) {
            // netavark 1.4 writes "-d ::/128" for a port published on [::]: that port is never forwarded
            out.add(new Finding("never-matches", t.name(), c.name(), r, "a DNAT for destination "
                    + a.cidr().base() + " (" + r.source() + ":" + r.line() + "): no packet is sent to the"
                    + " unspecified address, so this rule never matches and its port is not forwarded"
                    + " (netavark 1.4 writes it for a port published on [::]; publish on every address or"
                    + " on one)"));
        }
    }

    private static Set<String> reachable(Table t, List<String> roots) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String r : roots) {
            if (t.chain(r) != null) {
                todo.add(r);
            }
        }
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (!seen.add(c)) {
                continue;
            }
            for (Rule r : t.chain(c).rules()) {
                String callee = AdminRules.callee(r);
                if (callee != null) {
                    todo.add(callee);
                }
            }
        }
        return seen;
    }

    private void unreferenced(Ruleset rs, String tableName, List<String> roots, String kind, List<Finding> out) {
        Table t = rs.table(tableName);
        if (t == null) {
            return;
        }
        Set<String> reach = reachable(t, roots);
        for (Chain c : t.chains().values()) {
            boolean watched = AdminRules.isEngineChain(c.name()) || adminChains.contains(c.name());
            if (c.builtin() || reach.contains(c.name()) || !watched) {
                continue;
            }
            if (c.rules().isEmpty() && !adminChains.contains(c.name())) {
                continue;
            }
            String hint = tableName.equals("nat") ? "its DNAT rules never apply" : adminChains.contains(c.name())
                    ? "admin rules in it never apply" : "its accept rules never apply";
            out.add(new Finding(kind, tableName, c.name(), null, "chain " + c.name() + " (" + c.rules().size()
                    + " rules) exists but nothing jumps to it from " + String.join("/", roots.subList(0, 1)) + ": " + hint));
        }
    }

    private Set<List<Object>> publishedKeys;

    private boolean published(IpAddress ip, Integer port) {
        if (publishedKeys == null) {
            publishedKeys = new HashSet<>();
            for (PortMapping m : host.mappings()) {
                if (m.containerIp() != null) {
                    publishedKeys.add(List.of(m.containerIp(), m.containerPort()));
                    publishedKeys.add(List.of(m.containerIp()));
                }
            }
        }
        return publishedKeys.contains(port == null ? List.of(ip) : List.of(ip, port));
    }

    /** DNATs and per-port accepts for a container address and port that no published mapping holds. */
    private void stale(Ruleset rs, List<Finding> out) {
        if (host.mappings().isEmpty()) {
            return;
        }
        for (Table t : rs.tables().values()) {
            for (Chain c : t.chains().values()) {
                for (Rule r : c.rules()) {
                    if (t.name().equals("nat") && r.target() instanceof Target.Nat n && n.destination() && n.firstAddress() != null
                            && inContainerNetwork(n.firstAddress()) && !published(n.firstAddress(), n.ports() == null ? null : n.ports().first())) {
                        out.add(new Finding("stale-dnat", t.name(), c.name(), r, "DNAT to " + n.spec()
                                + ", which no published container holds"));
                    } else if (t.name().equals("filter") && r.target() instanceof Target.Accept && perPortAccept(r)) {
                        IpAddress ip = hostDestination(r);
                        Integer port = destinationPort(r);
                        if (ip != null && port != null && inContainerNetwork(ip) && !published(ip, port)) {
                            out.add(new Finding("stale-accept", t.name(), c.name(), r, "accepts " + ip + " port " + port
                                    + ", which no published container holds"));
                        }
                    }
                }
            }
        }
    }

    private boolean inContainerNetwork(IpAddress ip) {
        for (var n : host.networks()) {
            if (n.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    /** Docker's and cnifix's per-port shape: a host destination and one destination port. */
    private static boolean perPortAccept(Rule r) {
        return hostDestination(r) != null && destinationPort(r) != null;
    }

    private static IpAddress hostDestination(Rule r) {
        for (Match m : r.matches()) {
            if (m instanceof Match.Address a && a.side() == Side.DESTINATION && !a.negated() && a.cidr().isHost()) {
                return a.cidr().base();
            }
        }
        return null;
    }

    private static Integer destinationPort(Rule r) {
        for (Match m : r.matches()) {
            if (m instanceof Match.Ports p) {
                for (Match.PortCondition c : p.conditions()) {
                    if (c instanceof Match.PortIs pi && pi.side() == Side.DESTINATION && !pi.negated()
                            && pi.range().first() == pi.range().last()) {
                        return pi.range().first();
                    }
                }
            }
        }
        return null;
    }
}
