package io.cnifix.remedy;

import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Intent;
import io.cnifix.model.IpAddress;
import io.cnifix.model.PortMapping;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftExpr;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftStmt;
import io.cnifix.model.nft.NftTable;

import java.util.ArrayList;
import java.util.List;

/**
 * cnifix's own rules in native nftables chains (found by their {@code cnifix: } comment), what each opens, and which
 * published mappings still need it: what {@code status}, {@code prune} and {@code uninstall} see of the nft back end.
 */
public final class NftOwnership {
    private NftOwnership() {
    }

    /** One owned nft rule; {@code key} null when its statements do not say what it opens; {@code serves} the mappings it opens. */
    public record Owned(NftRule rule, OwnedRule.Key key, Cidr client, List<PortMapping> serves) {
        public Owned {
            serves = List.copyOf(serves);
        }

        public boolean needed() {
            return !serves.isEmpty();
        }

        public String whyStale() {
            return key == null ? "cannot tell what it opens"
                    : "no published port maps to " + key.containerIp() + " " + key.protocol()
                    + (key.containerPort() == null ? "" : "/" + key.containerPort())
                    + (key.hostPort() == null ? "" : " from host port " + key.hostPort()) + " (or not to these sources)";
        }
    }

    private static final HostState NO_HOST = new HostState(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    /** What an owned nft rule opens, or null when its statements do not say. */
    public static OwnedRule.Key key(NftRule r) {
        return owned(NO_HOST, r).key();
    }

    public static List<Owned> of(HostState host) {
        List<Owned> out = new ArrayList<>();
        for (NftTable t : host.nftTables()) {
            for (NftChain c : t.chains()) {
                for (NftRule r : c.rules()) {
                    if (r.comment() != null && r.comment().startsWith(OwnedRule.PREFIX)) {
                        out.add(owned(host, r));
                    }
                }
            }
        }
        return out;
    }

    /** cnifix's nft rules no published mapping needs now: what prune removes, by handle. */
    public static List<Removal> stale(HostState host) {
        return of(host).stream().filter(o -> !o.needed()).map(o -> removal(o, o.whyStale())).toList();
    }

    /** Every nft rule cnifix owns: what uninstall removes. */
    public static List<Removal> removeAll(HostState host) {
        return of(host).stream().map(o -> removal(o, "uninstall: remove every rule cnifix added"
                + (o.needed() ? " (it opens " + Ownership.describe(o.serves().get(0)) + ")" : ""))).toList();
    }

    private static Removal removal(Owned o, String why) {
        Family f = o.key() != null ? o.key().containerIp().family() : o.rule().family().equals("ip6") ? Family.V6 : Family.V4;
        return new Removal(f, null, why, Backend.NFT, o.rule());
    }

    private static Owned owned(HostState host, NftRule r) {
        IpAddress saddr = null;
        IpAddress daddr = null;
        Cidr saddrNet = null;
        Cidr daddrNet = null;
        String protocol = null;
        Integer dport = null;
        Integer origPort = null;
        boolean inBridge = false;
        boolean outElsewhere = false;
        for (NftStmt s : r.statements()) {
            if (!(s instanceof NftStmt.Match m)) {
                continue;
            }
            boolean eq = m.op().equals("==") || m.op().equals("in");
            if (m.left() instanceof NftExpr.Payload p && eq) {
                switch (p.field()) {
                    case "saddr" -> {
                        saddrNet = cidr(m.right());
                        saddr = saddrNet != null && saddrNet.isHost() ? saddrNet.base() : null;
                    }
                    case "daddr" -> {
                        daddrNet = cidr(m.right());
                        daddr = daddrNet != null && daddrNet.isHost() ? daddrNet.base() : null;
                    }
                    case "dport" -> {
                        protocol = p.protocol();
                        dport = number(m.right());
                    }
                    default -> {
                    }
                }
            } else if (m.left() instanceof NftExpr.Meta meta) {
                if (meta.key().equals("l4proto") && eq && m.right() instanceof NftExpr.Value v) {
                    protocol = v.text();
                }
                inBridge |= meta.key().equals("iifname") && eq;
                outElsewhere |= meta.key().equals("oifname") && m.op().equals("!=");
            } else if (m.left() instanceof NftExpr.Ct ct && ct.dir() == null && ct.key().equals("protocol") && eq
                    && m.right() instanceof NftExpr.Value v) {
                protocol = v.text();
            } else if (m.left() instanceof NftExpr.Ct ct && "original".equals(ct.dir()) && ct.key().equals("proto-dst") && eq) {
                origPort = number(m.right());
            }
        }
        boolean reply = inBridge && outElsewhere;
        OwnedRule.Key key;
        Cidr client;
        if (reply) {
            key = saddr == null || protocol == null || origPort == null ? null
                    : new OwnedRule.Key(OwnedRule.Kind.REPLY, saddr, protocol, null, origPort);
            client = daddrNet;
        } else {
            key = daddr == null || protocol == null ? null : new OwnedRule.Key(daddr, protocol, dport, origPort);
            client = saddrNet;
        }
        List<PortMapping> serves = key == null ? List.of()
                : host.mappings().stream().filter(key::covers).filter(m -> declaredOpen(host, m, client)).toList();
        return new Owned(r, key, client, serves);
    }

    /** As for iptables rules: none for a port kept closed, one per allowed source when restricted, one open to all otherwise. */
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

    private static Cidr cidr(NftExpr e) {
        try {
            if (e instanceof NftExpr.Value v) {
                return Cidr.host(IpAddress.parse(v.text()));
            }
            if (e instanceof NftExpr.Prefix p) {
                return Cidr.parse(p.address() + "/" + p.length());
            }
        } catch (RuntimeException notAnAddress) {
            return null;
        }
        return null;
    }

    private static Integer number(NftExpr e) {
        return e instanceof NftExpr.Value v && v.value() instanceof Long l ? (int) (long) l : null;
    }
}
