package io.cnifix.system;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.json.NftReader;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.NftRuleText;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * cnifix's rules in native nftables chains an admin owns: applied as one {@code nft -f} batch (atomic: all or
 * nothing), read back by comment and statements, undone by handle. Never a flush, never a table deleted or
 * restored whole: the admin's rules and every other program's stay as they are. The nft binary can be replaced
 * (CNIFIX_NFT) to test failures.
 */
public final class NftDriver implements FirewallDriver {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final ProcessRunner runner;
    private final Map<String, String> env;
    /** For each removal applied: the handle of the rule it followed, where an undo puts it back. */
    private final Map<Removal, Long> followed = new IdentityHashMap<>();

    public NftDriver(ProcessRunner runner, Map<String, String> env) {
        this.runner = runner;
        this.env = env;
    }

    @Override
    public Backend backend() {
        return Backend.NFT;
    }

    @Override
    public String name() {
        return "nft";
    }

    private String nft() {
        return ProcessRunner.program(env, "CNIFIX_NFT", "nft");
    }

    /**
     * The whole ruleset as {@code nft -a list ruleset} prints it, read now (the plan was read as JSON): a backup for
     * the admin to read, never restored whole.
     */
    @Override
    public String save(io.cnifix.ingest.StateSources read) {
        ProcessRunner.Result r = runner.run(List.of(nft(), "-a", "list", "ruleset"), null, TIMEOUT);
        if (!r.ok()) {
            throw new EnvironmentException(r.describe());
        }
        return r.stdout();
    }

    @Override
    public String backupSuffix() {
        return ".nft";
    }

    /** The tables as they are now. */
    public List<NftTable> read() {
        ProcessRunner.Result r = runner.run(List.of(nft(), "-j", "list", "ruleset"), null, TIMEOUT);
        if (!r.ok()) {
            throw new EnvironmentException(r.describe());
        }
        return NftReader.read(new InputText("nft -j list ruleset", r.stdout()));
    }

    /** The batch that applies the plan's nft part: each addition after its handle (or at the top), each removal by handle. */
    public static String batch(Plan plan) {
        StringBuilder sb = new StringBuilder();
        for (Proposal p : plan.additions(Backend.NFT)) {
            sb.append(command(p)).append('\n');
        }
        for (Removal r : plan.removals(Backend.NFT)) {
            NftRule n = r.nftRule();
            sb.append("delete rule ").append(n.family()).append(' ').append(n.table()).append(' ').append(n.chain())
                    .append(" handle ").append(n.handle()).append('\n');
        }
        return sb.toString();
    }

    /** One addition as nft words: {@code add rule inet filter forward position 5 ...} or {@code insert rule ...} at the top. */
    public static String command(Proposal p) {
        return p.position() == 0 ? "insert rule " + p.table() + " " + p.chain() + " " + p.spec()
                : "add rule " + p.table() + " " + p.chain() + " position " + p.position() + " " + p.spec();
    }

    @Override
    public ProcessRunner.Result apply(Plan plan) {
        List<NftTable> now = read();
        // The handles were read when the plan was made; refuse a batch whose anchors have changed since.
        for (Proposal p : plan.additions(Backend.NFT)) {
            NftChain c = chain(now, p.table(), p.chain());
            if (c == null) {
                return refused("no chain " + p.table() + " " + p.chain());
            }
            if (p.position() != 0 && c.rules().stream().noneMatch(r -> r.handle() == p.position()
                    && (p.after() == null || p.after().equals(r.text())))) {
                return refused(p.table() + " " + p.chain() + ": the rule of handle " + p.position() + " ("
                        + p.after() + ") is not there any more; run suggest again");
            }
        }
        followed.clear();
        for (Removal r : plan.removals(Backend.NFT)) {
            NftRule n = r.nftRule();
            NftChain c = chain(now, n.family() + " " + n.table(), n.chain());
            long before = 0;
            for (NftRule x : c == null ? List.<NftRule>of() : c.rules()) {
                if (x.handle() == n.handle()) {
                    followed.put(r, before);
                }
                before = x.handle();
            }
        }
        return run(batch(plan));
    }

    private ProcessRunner.Result refused(String why) {
        return new ProcessRunner.Result(List.of(nft(), "-f", "-"), 1, "", why);
    }

    private ProcessRunner.Result run(String batch) {
        try {
            return runner.run(List.of(nft(), "-f", "-"), batch, TIMEOUT);
        } catch (EnvironmentException e) {
            // Killed or not startable: whether it committed is read back by the caller.
            return new ProcessRunner.Result(List.of(nft(), "-f", "-"), -1, "", e.getMessage());
        }
    }

    /** The host with its nftables tables read again. */
    @Override
    public io.cnifix.model.HostState readBack(io.cnifix.model.HostState host) {
        io.cnifix.model.HostState h = host;
        return new io.cnifix.model.HostState(h.rulesets(), h.networks(), h.containers(), h.mappings(), h.addresses(),
                h.routes(), h.notes(), read(), h.otherBackEnd(), h.matchFacts());
    }

    @Override
    public List<String> notInEffect(Plan plan, io.cnifix.model.HostState after) {
        List<NftTable> now = after.nftTables();
        List<String> out = new ArrayList<>();
        List<NftRule> used = new ArrayList<>();
        for (Proposal p : plan.additions(Backend.NFT)) {
            if (find(now, p, used) == null) {
                out.add("nft " + p.table() + " " + p.chain() + ": not there: " + p.spec());
            }
        }
        for (Removal r : plan.removals(Backend.NFT)) {
            if (stillThere(now, r.nftRule())) {
                out.add("nft " + r.nftRule().family() + " " + r.nftRule().table() + " " + r.nftRule().chain()
                        + ": still there: handle " + r.nftRule().handle());
            }
        }
        return out;
    }

    /**
     * Deletes, by handle, each rule the plan added (found now by its statements and comment), and puts back each
     * rule it removed (after the rule it followed, or last), in one batch; null when there is nothing to undo.
     */
    @Override
    public ProcessRunner.Result undo(Plan plan) {
        List<NftTable> now = read();
        StringBuilder sb = new StringBuilder();
        List<NftRule> used = new ArrayList<>();
        for (Proposal p : plan.additions(Backend.NFT)) {
            NftRule r = find(now, p, used);
            if (r != null) {
                sb.append("delete rule ").append(p.table()).append(' ').append(p.chain()).append(" handle ").append(r.handle()).append('\n');
            }
        }
        for (Removal r : plan.removals(Backend.NFT)) {
            NftRule n = r.nftRule();
            String text = NftRuleText.render(n.statements(), n.comment());
            if (text == null || present(now, n)) {
                continue;
            }
            String label = n.family() + " " + n.table();
            NftChain c = chain(now, label, n.chain());
            if (c == null) {
                continue;
            }
            Long after = followed.get(r);
            boolean anchored = after != null && after != 0 && c.rules().stream().anyMatch(x -> x.handle() == after);
            sb.append(anchored ? "add rule " + label + " " + n.chain() + " position " + after + " " + text
                    : after != null && after == 0 ? "insert rule " + label + " " + n.chain() + " " + text
                    : "add rule " + label + " " + n.chain() + " " + text).append('\n');
        }
        return sb.length() == 0 ? null : run(sb.toString());
    }

    @Override
    public List<String> left(Plan plan) {
        List<NftTable> now = read();
        List<String> out = new ArrayList<>();
        List<NftRule> used = new ArrayList<>();
        for (Proposal p : plan.additions(Backend.NFT)) {
            if (find(now, p, used) != null) {
                out.add("nft " + p.table() + " " + p.chain() + ": still there: " + p.spec());
            }
        }
        for (Removal r : plan.removals(Backend.NFT)) {
            if (!present(now, r.nftRule())) {
                out.add("nft " + r.nftRule().family() + " " + r.nftRule().table() + " " + r.nftRule().chain()
                        + ": not put back: " + r.nftRule().text());
            }
        }
        return out;
    }

    /** The rule in the kernel an addition stands for (same statements and comment), not one already matched. */
    private static NftRule find(List<NftTable> now, Proposal p, List<NftRule> used) {
        NftChain c = chain(now, p.table(), p.chain());
        if (c == null) {
            return null;
        }
        NftRuleText.Parsed want = NftRuleText.parse(p.spec());
        for (NftRule r : c.rules()) {
            if (r.statements().equals(want.statements()) && Objects.equals(r.comment(), want.comment())
                    && used.stream().noneMatch(u -> u == r)) {
                used.add(r);
                return r;
            }
        }
        return null;
    }

    private static boolean stillThere(List<NftTable> now, NftRule n) {
        NftChain c = chain(now, n.family() + " " + n.table(), n.chain());
        return c != null && c.rules().stream().anyMatch(r -> r.handle() == n.handle());
    }

    /** A rule with the same statements and comment is in its chain (under whatever handle). */
    private static boolean present(List<NftTable> now, NftRule n) {
        NftChain c = chain(now, n.family() + " " + n.table(), n.chain());
        return c != null && c.rules().stream().anyMatch(r -> r.statements().equals(n.statements())
                && Objects.equals(r.comment(), n.comment()));
    }

    private static NftChain chain(List<NftTable> tables, String label, String chain) {
        for (NftTable t : tables) {
            if (t.label().equals(label)) {
                return t.chain(chain);
            }
        }
        return null;
    }
}
