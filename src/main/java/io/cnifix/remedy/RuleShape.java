package io.cnifix.remedy;

import io.cnifix.engine.compare.DockerModel;
import io.cnifix.model.PortMapping;
import io.cnifix.model.SaveText;

/**
 * The ACCEPT cnifix proposes for one published port, in Docker's shape and in iptables-save's canonical order,
 * so that it reads back exactly as written. Current Docker: only connections that came through the published
 * host port (conntrack DNAT with that original port, and address when bound to one). Classic: Docker's rule.
 */
public final class RuleShape {
    private RuleShape() {
    }

    /** The rule's words after "-A CHAIN" (or "-I CHAIN N"). */
    public static String spec(PortMapping m, String bridge, DockerModel model) {
        return spec(m, bridge, model, null);
    }

    /** The same, open only to {@code source} (declared with io.cnifix.allow-from); null: every source. */
    public static String spec(PortMapping m, String bridge, DockerModel model, io.cnifix.model.Cidr source) {
        boolean v4 = m.containerIp().isV4();
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append("-s ").append(source).append(' ');
        }
        sb.append("-d ").append(m.containerIp()).append(v4 ? "/32" : "/128");
        sb.append(" ! -i ").append(bridge).append(" -o ").append(bridge);
        sb.append(" -p ").append(m.protocol()).append(" -m ").append(m.protocol()).append(" --dport ").append(m.containerPort());
        if (model == DockerModel.CURRENT) {
            sb.append(" -m conntrack --ctstate DNAT");
            if (m.hostIp() != null) {
                // iptables-save prints a single conntrack address without its /32 or /128: write it so, to read back
                sb.append(" --ctorigdst ").append(m.hostIp());
            }
            sb.append(" --ctorigdstport ").append(m.hostPort());
        }
        sb.append(" -m comment --comment ").append(SaveText.quote(OwnedRule.comment(m)));
        sb.append(" -j ACCEPT");
        return sb.toString();
    }

    /**
     * The return-path accept for one published port: the container's answers and the ICMP errors about its
     * connections (conntrack ESTABLISHED or RELATED, from its address, in from its bridge and out elsewhere), only for
     * connections that came through the published host port (--ctproto, --ctorigdstport, and --ctorigdst when bound
     * to an address), narrowed to {@code client} when the port is declared open only to some sources. It carries the
     * same comment as the port's first rule.
     */
    public static String replySpec(PortMapping m, String bridge, io.cnifix.model.Cidr client) {
        boolean v4 = m.containerIp().isV4();
        StringBuilder sb = new StringBuilder();
        sb.append("-s ").append(m.containerIp()).append(v4 ? "/32" : "/128");
        if (client != null) {
            sb.append(" -d ").append(client);
        }
        sb.append(" -i ").append(bridge).append(" ! -o ").append(bridge);
        sb.append(" -m conntrack --ctstate RELATED,ESTABLISHED --ctproto ").append(protocolNumber(m.protocol()));
        if (m.hostIp() != null) {
            sb.append(" --ctorigdst ").append(m.hostIp());
        }
        sb.append(" --ctorigdstport ").append(m.hostPort());
        sb.append(" -m comment --comment ").append(SaveText.quote(OwnedRule.comment(m)));
        sb.append(" -j ACCEPT");
        return sb.toString();
    }

    private static int protocolNumber(String protocol) {
        return switch (protocol) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "sctp" -> 132;
            default -> throw new IllegalArgumentException("no published port of protocol " + protocol);
        };
    }

    /**
     * The INPUT accept for a rootless Podman port, published by a user-space listener on the host: the host port (and
     * address when bound to one), narrowed to {@code client} when declared open only to some sources.
     */
    public static String inputSpec(PortMapping m, io.cnifix.model.Cidr client) {
        StringBuilder sb = new StringBuilder();
        if (client != null) {
            sb.append("-s ").append(client).append(' ');
        }
        if (m.hostIp() != null) {
            sb.append("-d ").append(m.hostIp()).append(m.hostIp().isV4() ? "/32 " : "/128 ");
        }
        sb.append("-p ").append(m.protocol()).append(" -m ").append(m.protocol()).append(" --dport ").append(m.hostPort());
        sb.append(" -m comment --comment ").append(SaveText.quote(OwnedRule.comment(m)));
        sb.append(" -j ACCEPT");
        return sb.toString();
    }

    /**
     * The nftables accept for one published port, for a native chain an admin owns, in the words {@code nft -a list}
     * prints it back: only connections DNAT'd from the published host port (and address when bound to one), to the
     * container's address and port, from outside its bridge; narrowed to {@code source} when declared.
     */
    public static String nftSpec(PortMapping m, String bridge, io.cnifix.model.Cidr source) {
        String ip = m.containerIp().isV4() ? "ip" : "ip6";
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append(ip).append(" saddr ").append(nftAddress(source)).append(' ');
        }
        sb.append(ip).append(" daddr ").append(m.containerIp());
        sb.append(" iifname != \"").append(bridge).append("\" oifname \"").append(bridge).append('"');
        sb.append(' ').append(m.protocol()).append(" dport ").append(m.containerPort());
        sb.append(" ct status dnat ct original proto-dst ").append(m.hostPort());
        if (m.hostIp() != null) {
            sb.append(" ct original ").append(ip).append(" daddr ").append(m.hostIp());
        }
        return sb.append(" accept comment \"").append(NftRuleText.comment(m)).append('"').toString();
    }

    /**
     * The nftables return-path accept: the container's answers (and ICMP errors about them) on connections that came
     * in through the published host port, from its bridge to elsewhere; narrowed to {@code client} when declared.
     */
    public static String nftReplySpec(PortMapping m, String bridge, io.cnifix.model.Cidr client) {
        String ip = m.containerIp().isV4() ? "ip" : "ip6";
        StringBuilder sb = new StringBuilder();
        sb.append(ip).append(" saddr ").append(m.containerIp());
        if (client != null) {
            sb.append(' ').append(ip).append(" daddr ").append(nftAddress(client));
        }
        sb.append(" iifname \"").append(bridge).append("\" oifname != \"").append(bridge).append('"');
        // ct protocol, not meta l4proto: an ICMP error about the connection (RELATED) is ICMP, its connection is not.
        sb.append(" ct state established,related ct protocol ").append(m.protocol());
        sb.append(" ct original proto-dst ").append(m.hostPort());
        if (m.hostIp() != null) {
            sb.append(" ct original ").append(ip).append(" daddr ").append(m.hostIp());
        }
        return sb.append(" accept comment \"").append(NftRuleText.comment(m)).append('"').toString();
    }

    /** nft prints a host address without its /32 (/128). */
    private static String nftAddress(io.cnifix.model.Cidr c) {
        return c.prefix() == (c.base().isV4() ? 32 : 128) ? c.base().toString() : c.toString();
    }
}
