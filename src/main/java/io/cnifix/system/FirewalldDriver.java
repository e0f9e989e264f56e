package io.cnifix.system;

import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.ingest.RuleTokens;
import io.cnifix.ingest.StateSources;
import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Ruleset;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.FirewalldDrafts;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * firewalld's direct rules, through firewall-cmd: each of cnifix's rules is added (and removed) in the runtime
 * configuration and in the permanent one (direct.xml), so that it is in effect now and firewalld re-applies it after
 * every reload, start and restart. firewalld has no transaction over several firewall-cmd calls: the driver makes one
 * call per rule and configuration, checks each, and on the first failure undoes the calls it made, in reverse order.
 * It never touches a direct rule without cnifix's comment, and adds nothing that is there already (an admin's or an
 * earlier run's identical rule stays as it is, and is not undone). The command can be replaced (CNIFIX_FIREWALL_CMD)
 * to test failures.
 */
public final class FirewalldDriver implements FirewallDriver {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** One direct rule as firewall-cmd names it: "ipv4 filter FORWARD", its priority and its argument words. */
    record Direct(String ipv, String table, String chain, int priority, List<String> args) {
        Direct {
            args = List.copyOf(args);
        }

        List<String> words() {
            List<String> w = new ArrayList<>(List.of(ipv, table, chain, Integer.toString(priority)));
            w.addAll(args);
            return w;
        }

        boolean sameRule(Direct o) {
            return ipv.equals(o.ipv) && table.equals(o.table) && chain.equals(o.chain) && args.equals(o.args);
        }

        String text() {
            return String.join(" ", words());
        }
    }

    /**
     * One firewall-cmd call the apply made, to undo in reverse on failure. {@code line}: not null for a plain iptables
     * rule of cnifix's (written before cnifix knew firewalld, or by hand), which is not a direct rule: removed and put
     * back (at its old position, {@code rule.priority()}) through firewalld's passthrough, in the runtime only.
     */
    private record Step(boolean add, boolean permanent, Direct rule, String line) {
        Step(boolean add, boolean permanent, Direct rule) {
            this(add, permanent, rule, null);
        }

        Step inverse() {
            return new Step(!add, permanent, rule, line);
        }
    }

    private final ProcessRunner runner;
    private final Map<String, String> env;
    private final Firewall firewall;
    /** The calls the last successful apply made: an undo reverses exactly these (with the priorities removed rules had). */
    private List<Step> applied;

    public FirewalldDriver(ProcessRunner runner, Firewall firewall, Map<String, String> env) {
        this.runner = runner;
        this.firewall = firewall;
        this.env = env;
    }

    @Override
    public Backend backend() {
        return Backend.FIREWALLD;
    }

    @Override
    public String name() {
        return "firewalld";
    }

    private String command() {
        return ProcessRunner.program(env, "CNIFIX_FIREWALL_CMD", "firewall-cmd");
    }

    private ProcessRunner.Result call(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(command()));
        cmd.addAll(args);
        try {
            return runner.run(cmd, null, LIMIT);
        } catch (EnvironmentException e) {
            return new ProcessRunner.Result(cmd, -1, "", e.getMessage());
        }
    }

    /** The direct rules of the runtime or the permanent configuration. */
    List<Direct> rules(boolean permanent) {
        ProcessRunner.Result r = call(permanent ? List.of("--permanent", "--direct", "--get-all-rules")
                : List.of("--direct", "--get-all-rules"));
        if (!r.ok()) {
            throw new EnvironmentException("cannot read firewalld's " + (permanent ? "permanent" : "runtime")
                    + " direct rules: " + r.describe());
        }
        return parse(r.stdout());
    }

    /** firewall-cmd --direct --get-all-rules: one rule a line, its words quoted the way Python's shlex.quote does. */
    static List<Direct> parse(String text) {
        List<Direct> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            List<String> w = shellWords(line);
            if (w.size() < 4 || !w.get(3).matches("-?[0-9]{1,10}")) {
                continue;
            }
            out.add(new Direct(w.get(0), w.get(1), w.get(2), Integer.parseInt(w.get(3)), w.subList(4, w.size())));
        }
        return out;
    }

    static List<String> shellWords(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                end = end < 0 ? line.length() : end;
                w = w == null ? new StringBuilder() : w;
                w.append(line, i + 1, end);
                i = end;
            } else if (c == '"') {
                w = w == null ? new StringBuilder() : w;
                for (i++; i < line.length() && line.charAt(i) != '"'; i++) {
                    if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                        i++;
                    }
                    w.append(line.charAt(i));
                }
            } else if (c == '\\' && i + 1 < line.length()) {
                w = w == null ? new StringBuilder() : w;
                w.append(line.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    out.add(w.toString());
                    w = null;
                }
            } else {
                w = w == null ? new StringBuilder() : w;
                w.append(c);
            }
        }
        if (w != null) {
            out.add(w.toString());
        }
        return out;
    }

    static Direct of(Proposal p) {
        String[] c = p.chain().split(" ");
        return new Direct(c[0], c[1], c[2], p.position(), RuleTokens.words(p.spec()));
    }

    static Direct of(Removal r) {
        String chain = r.rule().chain();
        String spec = r.rule().text().substring(("-A " + chain + " ").length());
        return new Direct(r.family() == Family.V4 ? "ipv4" : "ipv6", r.rule().table(), chain, FirewalldDrafts.PRIORITY,
                RuleTokens.words(spec));
    }

    private static Direct find(List<Direct> in, Direct rule) {
        return in.stream().filter(rule::sameRule).findFirst().orElse(null);
    }

    private static boolean owned(Direct d) {
        int i = d.args().indexOf("--comment");
        return i >= 0 && i + 1 < d.args().size() && d.args().get(i + 1).startsWith(io.cnifix.remedy.OwnedRule.PREFIX);
    }

    private List<Proposal> additions(Plan plan) {
        return plan.additions(Backend.FIREWALLD).stream().filter(FirewalldDrafts::isDirect).toList();
    }

    private List<Removal> removals(Plan plan) {
        return plan.removals(Backend.FIREWALLD).stream().filter(r -> r.rule() != null).toList();
    }

    @Override
    public String save(StateSources read) {
        StringBuilder sb = new StringBuilder();
        for (boolean permanent : new boolean[] {false, true}) {
            List<String> args = permanent ? List.of("--permanent", "--direct", "--get-all-rules") : List.of("--direct", "--get-all-rules");
            ProcessRunner.Result r = call(args);
            sb.append("# ").append(command()).append(' ').append(String.join(" ", args)).append('\n');
            sb.append(r.ok() ? r.stdout() : "# failed: " + r.describe() + "\n");
        }
        return sb.toString();
    }

    @Override
    public String backupSuffix() {
        return ".firewalld";
    }

    @Override
    public ProcessRunner.Result apply(Plan plan) {
        applied = new ArrayList<>(); // from here on an undo reverses what this apply made, and nothing else
        List<Step> steps = new ArrayList<>();
        for (boolean permanent : new boolean[] {false, true}) {
            List<Direct> now = rules(permanent);
            for (Removal r : removals(plan)) {
                Direct there = find(now, of(r));
                if (there != null && owned(there)) {
                    steps.add(new Step(false, permanent, there));
                } else if (there == null && !permanent && io.cnifix.remedy.OwnedRule.isOwned(r.rule())) {
                    steps.add(plain(r));
                }
            }
            for (Proposal p : additions(plan)) {
                Direct want = of(p);
                if (find(now, want) == null && steps.stream().noneMatch(s -> s.add() && s.permanent() == permanent && s.rule().sameRule(want))) {
                    steps.add(new Step(true, permanent, want));
                }
            }
        }
        // runtime first, then permanent: a failure in the permanent part undoes the runtime part too
        steps.sort((a, b) -> Boolean.compare(a.permanent(), b.permanent()));
        for (Step s : steps) {
            // recorded before the call: a call that reports failure may still have made its change
            applied.add(s);
            ProcessRunner.Result r = run(s);
            if (!r.ok()) {
                List<String> undoFailed = revert(plan);
                return new ProcessRunner.Result(r.command(), r.exitCode() == 0 ? 1 : r.exitCode(), r.stdout(),
                        r.stderr().strip() + (undoFailed.isEmpty() ? " (the firewall-cmd calls made before it were undone)"
                                : " (undoing the calls made before it failed: " + String.join("; ", undoFailed) + ")"));
            }
        }
        return new ProcessRunner.Result(List.of(command(), "(" + steps.size() + " direct rule changes)"), 0, "", "");
    }

    /** Removing a plain iptables rule of cnifix's, which firewalld does not list as a direct rule. */
    private static Step plain(Removal r) {
        Direct d = of(r);
        return new Step(false, false, new Direct(d.ipv(), d.table(), d.chain(), r.rule().number(), d.args()), r.rule().text());
    }

    private ProcessRunner.Result run(Step s) {
        if (s.line() != null) {
            List<String> args = new ArrayList<>(List.of("--direct", "--passthrough", s.rule().ipv(), "-t", s.rule().table()));
            args.addAll(s.add() ? List.of("-I", s.rule().chain(), Integer.toString(Math.max(1, s.rule().priority())))
                    : List.of("-D", s.rule().chain()));
            args.addAll(s.rule().args());
            return call(args);
        }
        List<String> args = new ArrayList<>();
        if (s.permanent()) {
            args.add("--permanent");
        }
        args.add("--direct");
        args.add(s.add() ? "--add-rule" : "--remove-rule");
        args.addAll(s.rule().words());
        ProcessRunner.Result r = call(args);
        // firewall-cmd exits 0 with a warning when the rule is (not) there already: not what this step meant to do
        if (r.ok() && (r.stderr().contains("ALREADY_ENABLED") || r.stderr().contains("NOT_ENABLED"))) {
            return new ProcessRunner.Result(r.command(), 1, r.stdout(), r.stderr());
        }
        return r;
    }

    /**
     * Undoes, in reverse, the calls recorded so far that are in effect now (the failed one included, when it made its
     * change anyway); the undo calls that failed. The record stays, so a later undo or left() judges again from the
     * state as it reads then.
     */
    private List<String> revert(Plan plan) {
        List<String> failed = new ArrayList<>();
        for (Step s : inverse(plan)) {
            ProcessRunner.Result r = run(s);
            if (!r.ok()) {
                failed.add(r.describe());
            }
        }
        return failed;
    }

    @Override
    public HostState readBack(HostState host) {
        List<Ruleset> out = new ArrayList<>();
        for (Ruleset rs : host.rulesets()) {
            out.add(IptablesSaveParser.parse(firewall.dump(rs.family()), rs.family()));
        }
        return host.withRulesets(out);
    }

    @Override
    public List<String> notInEffect(Plan plan, HostState after) {
        List<String> out = new ArrayList<>();
        List<Direct> runtime = rules(false);
        List<Direct> permanent = rules(true);
        for (Proposal p : additions(plan)) {
            Direct want = of(p);
            if (find(runtime, want) == null) {
                out.add("direct rule not in firewalld's runtime configuration: " + want.text());
            }
            if (find(permanent, want) == null) {
                out.add("direct rule not in firewalld's permanent configuration: " + want.text());
            }
            Ruleset rs = after.ruleset(p.family());
            var chain = rs == null ? null : rs.chain("filter", FirewalldDrafts.builtin(p));
            if (chain == null || chain.rules().stream().noneMatch(r -> r.text().equals(FirewalldDrafts.line(p)))) {
                out.add("direct rule not in iptables after apply: " + FirewalldDrafts.line(p));
            }
        }
        for (Removal r : removals(plan)) {
            Direct gone = of(r);
            if (additions(plan).stream().anyMatch(p -> of(p).sameRule(gone))) {
                continue;
            }
            if (find(runtime, gone) != null || find(permanent, gone) != null) {
                out.add("direct rule still in firewalld's configuration after apply: " + gone.text());
            }
            Ruleset rs = after.ruleset(r.family());
            var chain = rs == null ? null : rs.chain("filter", r.rule().chain());
            if (chain != null && chain.rules().stream().anyMatch(x -> x.text().equals(r.rule().text()))) {
                out.add("rule still in iptables after apply: " + r.rule().text());
            }
        }
        return out;
    }

    @Override
    public ProcessRunner.Result undo(Plan plan) {
        List<Step> steps = inverse(plan);
        if (steps.isEmpty()) {
            return null;
        }
        List<String> failed = new ArrayList<>();
        ProcessRunner.Result last = null;
        for (Step s : steps) {
            ProcessRunner.Result r = run(s);
            if (!r.ok()) {
                failed.add(r.describe());
                last = r;
            }
        }
        return failed.isEmpty() ? new ProcessRunner.Result(List.of(command(), "(" + steps.size() + " direct rule changes undone)"), 0, "", "")
                : new ProcessRunner.Result(last.command(), last.exitCode() == 0 ? 1 : last.exitCode(), "", String.join("; ", failed));
    }

    /**
     * What takes the plan back out, against firewalld's configuration as it is now: the reverse of the calls the apply
     * made (a rule that was there before the apply stays; after a failed apply, which undid its own calls, nothing);
     * when this driver did not apply, every owned rule the plan adds and every rule it removes, in both configurations.
     */
    private List<Step> inverse(Plan plan) {
        List<Step> made = new ArrayList<>(applied == null ? List.of() : applied);
        if (applied == null) {
            for (boolean permanent : new boolean[] {false, true}) {
                additions(plan).forEach(p -> made.add(new Step(true, permanent, of(p))));
                removals(plan).forEach(r -> made.add(new Step(false, permanent, of(r))));
            }
        }
        List<Direct> runtime = rules(false);
        List<Direct> permanent = rules(true);
        List<Step> steps = new ArrayList<>();
        for (int i = made.size() - 1; i >= 0; i--) {
            Step s = made.get(i);
            if (s.line() != null) {
                if (!inIptables(s.rule().ipv().equals("ipv4") ? Family.V4 : Family.V6, s.rule().chain(), s.line())) {
                    steps.add(s.inverse());
                }
                continue;
            }
            Direct there = find(s.permanent() ? permanent : runtime, s.rule());
            if (s.add() && there != null && owned(there)) {
                steps.add(new Step(false, s.permanent(), there));
            } else if (!s.add() && there == null) {
                steps.add(new Step(true, s.permanent(), s.rule()));
            }
        }
        return steps;
    }

    private boolean inIptables(Family f, String chain, String line) {
        var c = IptablesSaveParser.parse(firewall.dump(f), f).chain("filter", chain);
        return c != null && c.rules().stream().anyMatch(r -> r.text().equals(line));
    }

    @Override
    public List<String> left(Plan plan) {
        Set<String> out = new LinkedHashSet<>();
        for (Step s : inverse(plan)) {
            out.add(s.line() != null ? "rule cnifix removed is still missing from iptables: " + s.line()
                    : (s.add() ? "direct rule cnifix removed is still missing from firewalld's " : "direct rule cnifix added is still in firewalld's ")
                    + (s.permanent() ? "permanent" : "runtime") + " configuration: " + s.rule().text());
        }
        return new ArrayList<>(out);
    }
}
