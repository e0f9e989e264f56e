package io.cnifix.remedy;

import io.cnifix.model.Chain;
import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Intent;
import io.cnifix.model.Match;
import io.cnifix.model.Side;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;

import java.util.ArrayList;
import java.util.List;

/**
 * Every rule cnifix owns on a host (found by its {@code cnifix:} comment, in any table and chain), the container
 * and port its comment names, where it sits, and which published mappings still need it. What {@code status},
 * {@code prune} and {@code uninstall} share.
 */
public final class Ownership {
    private Ownership() {
    }

    /**
     * One owned rule. {@code container}, {@code protocol} and {@code hostPort} come from the comment (null when the
     * comment does not have that shape); {@code key} from the rule's matches (null: cannot tell what it opens);
     * {@code serves}: the mappings on the host it opens.
     */
    public record Owned(Family family, Rule rule, String container, String protocol, Integer hostPort, OwnedRule.Key key,
                        List<PortMapping> serves, boolean declaredOnly) {
        public Owned {
            serves = List.copyOf(serves);
        }

        public boolean needed() {
            return !serves.isEmpty();
        }

        /** The program that holds the rule: the firewall back end an uninstall or prune goes through. */
        public String backend() {
            return family == Family.V4 ? "iptables" : "ip6tables";
        }

        /** Why nothing needs it, or null while something does. */
        public String whyStale() {
            if (needed()) {
                return null;
            }
            return key == null ? "cannot tell what it opens"
                    : declaredOnly ? "the port's container is declared closed, or open only to other sources"
                    : key.isInput() ? "no rootless container publishes " + key.protocol() + "/" + key.hostPort()
                    : "no published port maps to " + key.containerIp() + " " + key.protocol() + "/" + key.containerPort()
                    + (key.hostPort() == null ? "" : " from host port " + key.hostPort());
        }
    }

    public static List<Owned> of(HostState host) {
        List<Owned> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            for (Table t : rs.tables().values()) {
                for (Chain c : t.chains().values()) {
                    for (Rule r : c.rules()) {
                        if (OwnedRule.isOwned(r)) {
                            out.add(owned(host, rs.family(), r));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Owned owned(HostState host, Family family, Rule r) {
        OwnedRule.Key key = OwnedRule.key(r);
        Cidr source = OwnedRule.client(r);
        List<PortMapping> serves = key == null ? List.of()
                : host.mappings().stream().filter(key::covers).filter(m -> !key.isInput() || rootless(host, m))
                        .filter(m -> declaredOpen(host, m, source)).toList();
        String text = r.comment().substring(OwnedRule.PREFIX.length());
        int space = text.lastIndexOf(' ');
        String container = null;
        String protocol = null;
        Integer hostPort = null;
        if (space > 0) {
            String[] protoPort = text.substring(space + 1).split("/", -1);
            if (protoPort.length == 2 && protoPort[1].matches("[0-9]{1,5}")) {
                container = text.substring(0, space);
                protocol = protoPort[0];
                hostPort = Integer.parseInt(protoPort[1]);
            }
        }
        boolean declaredOnly = serves.isEmpty() && key != null && host.mappings().stream().anyMatch(key::covers);
        return new Owned(family, r, container, protocol, hostPort, key, serves, declaredOnly);
    }

    private static boolean rootless(HostState host, PortMapping m) {
        Container c = host.container(m.containerId());
        return c != null && c.rootless();
    }

    /**
     * Whether what the admin declared for the mapping's container still wants a rule open to {@code source}: none
     * for a port kept closed, one per allowed source for a restricted port, one open to all otherwise.
     */
    private static boolean declaredOpen(HostState host, PortMapping m, Cidr source) {
        Container c = host.container(m.containerId());
        Intent intent = c == null ? null : c.intent();
        if (intent == null) {
            return source == null;
        }
        if (intent.keepsClosed(m)) {
            return false;
        }
        return intent.restricts(m) ? source != null && intent.allowFrom().contains(source) : source == null;
    }

    /** Removing every rule cnifix owns: what {@code uninstall} applies. */
    public static List<Removal> removeAll(HostState host) {
        return FirewalldDrafts.redirectRemovals(host, of(host).stream().map(o -> new Removal(o.family(), o.rule(),
                "uninstall: remove every rule cnifix added" + (o.needed() ? " (it opens " + describe(o.serves().get(0)) + ")" : "")))
                .toList());
    }

    /** cnifix's own filter rules that no published mapping needs now: what {@code prune} removes. */
    public static List<Removal> stale(HostState host) {
        return of(host).stream().filter(o -> !o.needed() && o.rule().table().equals("filter"))
                .map(o -> new Removal(o.family(), o.rule(), o.whyStale())).toList();
    }

    static String describe(PortMapping m) {
        return (m.containerName() == null ? m.containerId() : m.containerName()) + " " + m.protocol() + "/" + m.hostPort();
    }
}
