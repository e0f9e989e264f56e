package io.cnifix.cli;

import io.cnifix.ingest.HostStateBuilder;
import io.cnifix.model.HostState;
import io.cnifix.model.PortMapping;
import io.cnifix.remedy.Ownership;
import io.cnifix.remedy.Ownership.Owned;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** What cnifix has installed: every rule it owns, the port it serves, where it sits, and whether it is still needed. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Every rule cnifix owns (found by its 'cnifix:' comment): the container and port it serves, where it"
                + " sits (table, chain, position), the back end, and whether a published port still needs it.",
                "Reads only; exit 0. Rules no port needs any more are removed by 'cnifix prune --apply'."})
final class StatusCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    StateOptions state;
    @Mixin
    OutputOptions output;

    StatusCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        output.requireFormat("text", "json");
        HostState host = HostStateBuilder.build(state.sources(ctx));
        List<Owned> owned = Ownership.of(host);
        List<io.cnifix.remedy.NftOwnership.Owned> nft = io.cnifix.remedy.NftOwnership.of(host);
        if (output.json()) {
            Json.print(ctx.out(), json(host, owned, nft));
        } else {
            text(host, owned, nft);
        }
        return ExitCodes.OK;
    }

    /** An owned nft rule: where it is (table, chain, handle) and what it opens; the comment names the port. */
    private static Map<String, Object> nftRow(io.cnifix.remedy.NftOwnership.Owned o) {
        io.cnifix.model.nft.NftRule n = o.rule();
        String[] named = n.comment().substring(io.cnifix.remedy.OwnedRule.PREFIX.length()).split(" ");
        String[] pp = named[named.length - 1].split("/");
        Map<String, Object> r = Json.obj("table", n.family() + " " + n.table(), "chain", n.chain(), "handle", n.handle(), "rule", n.text(),
                "family", o.key() != null && !o.key().containerIp().isV4() ? "ipv6" : "ipv4", "backend", "nft",
                "container", String.join(" ", java.util.Arrays.copyOf(named, named.length - 1)),
                "protocol", pp[0], "hostPort", pp.length == 2 && pp[1].matches("[0-9]{1,5}") ? Integer.parseInt(pp[1]) : null,
                "containerIp", o.key() == null ? null : o.key().containerIp().toString(),
                "containerPort", o.key() == null ? null : o.key().containerPort(),
                "needed", o.needed(), "why", o.needed() ? null : o.whyStale());
        List<Object> serves = new ArrayList<>();
        for (PortMapping m : o.serves()) {
            serves.add(Json.obj("container", m.containerName(), "containerId", m.containerId(), "protocol", m.protocol(),
                    "hostIp", m.hostIp() == null ? null : m.hostIp().toString(), "hostPort", m.hostPort()));
        }
        r.put("serves", serves);
        return r;
    }

    /** Where firewalld runs, cnifix's rules in a built-in chain are its direct rules: removed through firewalld. */
    private static String backend(HostState host, Owned o) {
        return io.cnifix.remedy.FirewalldDrafts.redirectRemovals(host, List.of(new io.cnifix.remedy.Removal(o.family(), o.rule(), "")))
                .get(0).backend() == io.cnifix.remedy.Backend.FIREWALLD ? "firewalld direct" : o.backend();
    }

    private static Map<String, Object> json(HostState host, List<Owned> owned, List<io.cnifix.remedy.NftOwnership.Owned> nft) {
        List<Object> rows = new ArrayList<>();
        for (Owned o : owned) {
            Map<String, Object> r = RuleRefs.rule(o.rule());
            r.put("family", o.family() == io.cnifix.model.Family.V4 ? "ipv4" : "ipv6");
            r.put("backend", backend(host, o));
            r.put("container", o.container());
            r.put("protocol", o.protocol());
            r.put("hostPort", o.hostPort());
            r.put("containerIp", o.key() == null ? null : o.key().containerIp().toString());
            r.put("containerPort", o.key() == null ? null : o.key().containerPort());
            r.put("needed", o.needed());
            r.put("why", o.needed() ? null : o.whyStale());
            List<Object> serves = new ArrayList<>();
            for (PortMapping m : o.serves()) {
                serves.add(Json.obj("container", m.containerName(), "containerId", m.containerId(), "protocol", m.protocol(),
                        "hostIp", m.hostIp() == null ? null : m.hostIp().toString(), "hostPort", m.hostPort()));
            }
            r.put("serves", serves);
            rows.add(r);
        }
        nft.forEach(o -> rows.add(nftRow(o)));
        long needed = owned.stream().filter(Owned::needed).count() + nft.stream().filter(io.cnifix.remedy.NftOwnership.Owned::needed).count();
        int all = owned.size() + nft.size();
        return Json.obj("schemaVersion", 1, "owned", rows,
                "summary", Json.obj("owned", all, "needed", needed, "stale", all - needed));
    }

    private void text(HostState host, List<Owned> owned, List<io.cnifix.remedy.NftOwnership.Owned> nft) {
        if (owned.isEmpty() && nft.isEmpty()) {
            ctx.out().println("cnifix has installed no rule on this host.");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONTAINER", "PORT", "OPENS", "WHERE", "BACK END", "STATE"});
        for (Owned o : owned) {
            String opens = o.key() == null ? "?" : o.key().containerIp() + ":" + o.key().containerPort();
            rows.add(new String[] {
                o.container() == null ? "?" : o.container(),
                o.protocol() == null ? "?" : o.protocol() + "/" + o.hostPort(),
                opens,
                o.rule().table() + " " + o.rule().chain() + " #" + o.rule().number(),
                backend(host, o),
                o.needed() ? "needed" : "not needed: " + o.whyStale()});
        }
        for (io.cnifix.remedy.NftOwnership.Owned o : nft) {
            Map<String, Object> r = nftRow(o);
            rows.add(new String[] {String.valueOf(r.get("container")), r.get("protocol") + "/" + r.get("hostPort"),
                o.key() == null ? "?" : o.key().containerIp() + (o.key().containerPort() == null ? " (return path)" : ":" + o.key().containerPort()),
                r.get("table") + " " + r.get("chain") + " handle " + r.get("handle"), "nft",
                o.needed() ? "needed" : "not needed: " + o.whyStale()});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            ctx.out().println(sb.toString().stripTrailing());
        }
        long stale = owned.stream().filter(o -> !o.needed()).count() + nft.stream().filter(o -> !o.needed()).count();
        int all = owned.size() + nft.size();
        ctx.out().println();
        ctx.out().println(all + (all == 1 ? " rule" : " rules") + " owned by cnifix, " + stale + " no longer needed.");
        if (!output.quiet) {
            ctx.out().println(stale > 0 ? "Next: sudo cnifix prune --apply   (removes the rules nothing needs)"
                    : "Nothing needs doing. To remove everything cnifix added: sudo cnifix uninstall --apply");
        }
    }
}
