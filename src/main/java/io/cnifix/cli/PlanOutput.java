package io.cnifix.cli;

import io.cnifix.model.Family;
import io.cnifix.model.PortMapping;
import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;
import io.cnifix.remedy.Proposal;
import io.cnifix.remedy.Removal;
import io.cnifix.remedy.Scripts;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How a plan is printed: text, iptables commands, iptables-restore input, or JSON. */
final class PlanOutput {
    private PlanOutput() {
    }

    static void print(PrintStream out, Plan plan, String format, Map<String, Object> extra) {
        print(out, plan, format, extra, "suggest");
    }

    /** {@code what}: the command (suggest, prune, reconcile), for the words of an empty plan. */
    static void print(PrintStream out, Plan plan, String format, Map<String, Object> extra, String what) {
        switch (format) {
            case "json" -> {
                Map<String, Object> j = json(plan);
                // the same keys whether or not anything was applied or persisted
                j.putAll(Json.obj("applied", false, "backup", null, "persisted", null));
                j.putAll(extra);
                Json.print(out, j);
            }
            case "iptables" -> {
                Scripts.commands(plan).forEach(out::println);
                elsewhere(out, plan, Backend.IPTABLES);
            }
            case "nft" -> {
                Scripts.nftCommands(plan).forEach(out::println);
                elsewhere(out, plan, Backend.NFT);
            }
            case "firewall-cmd" -> {
                io.cnifix.remedy.FirewalldDrafts.commands(plan).forEach(out::println);
                elsewhere(out, plan, Backend.FIREWALLD);
            }
            case "restore" -> {
                if (plan.touches(io.cnifix.remedy.Backend.FIREWALLD)) {
                    out.println("# cnifix's firewalld direct rules are not iptables-restore input: see --format firewall-cmd");
                }
                if (plan.touches(Backend.NFT)) {
                    out.println("# and " + changes(plan, Backend.NFT) + " nft change(s), not iptables-restore input: see --format nft");
                }
                boolean both = plan.touches(Family.V4) && plan.touches(Family.V6);
                for (Family f : Family.values()) {
                    if (plan.touches(f)) {
                        if (both) {
                            out.println("# " + (f == Family.V4 ? "iptables-restore" : "ip6tables-restore") + " --noflush");
                        }
                        out.print(Scripts.restore(plan, f));
                    }
                }
            }
            default -> text(out, plan, what);
        }
    }

    /**
     * One comment line per other back end the plan also changes, naming the format that shows it, so that a script
     * made from one format never silently misses part of the plan.
     */
    private static void elsewhere(PrintStream out, Plan plan, Backend shown) {
        for (Backend b : Backend.values()) {
            if (b != shown && plan.touches(b)) {
                out.println("# and " + changes(plan, b) + " " + backend(b) + " change(s): see --format "
                        + (b == Backend.FIREWALLD ? "firewall-cmd" : backend(b)));
            }
        }
    }

    private static int changes(Plan plan, Backend b) {
        return plan.additions(b).size() + plan.removals(b).size();
    }

    private static void text(PrintStream out, Plan plan, String what) {
        if (plan.empty()) {
            String none = switch (what) {
                case "prune" -> "no rule of cnifix's has outlived its port";
                case "reconcile" -> "no gap that a rule can close, and no rule of cnifix's has outlived its port";
                default -> "no gap that a rule can close";
            };
            out.println("Nothing to do: " + none + (plan.untouched().isEmpty() ? "." : " (see below)."));
        }
        for (Proposal p : plan.additions()) {
            if (p.backend() == Backend.NFT) {
                continue; // listed by nftText under its table and chain
            }
            PortMapping m = p.fixes();
            out.printf("+ %s %s %d: %s%n    opens %s %s/%d to %s:%d; now %s%n", where(p), p.chain(), p.position(), p.spec(), m.containerName(), m.protocol(), m.hostPort(), m.containerIp(),
                    m.containerPort(), p.why());
        }
        nftText(out, plan);
        for (Removal r : plan.removals()) {
            if (r.backend() == Backend.NFT) {
                continue; // listed by nftText under its table and chain
            }
            out.printf("- %s %s: %s%n    %s%n", (r.backend() == Backend.FIREWALLD ? "firewalld direct "
                    : "") + (r.family() == Family.V4 ? "iptables" : "ip6tables"), r.rule().chain(),
                    r.rule().text(), r.why());
        }
        for (String u : plan.untouched()) {
            out.println("  left alone: " + u);
        }
        for (String p : plan.proofProblems()) {
            out.println("! proof failed: " + p);
        }
    }

    /** The nft part under a heading per table and chain, in nft's own words, each rule placed after a handle. */
    private static void nftText(PrintStream out, Plan plan) {
        java.util.Map<String, List<String>> byChain = new java.util.LinkedHashMap<>();
        for (Proposal p : plan.additions(Backend.NFT)) {
            PortMapping m = p.fixes();
            byChain.computeIfAbsent(p.table() + " " + p.chain(), k -> new ArrayList<>()).add(String.format(
                    "+ %s: %s%n    opens %s %s/%d to %s:%d; now %s", p.position() == 0 ? "at the top" : "after handle " + p.position(),
                    p.spec(), m.containerName(), m.protocol(), m.hostPort(), m.containerIp(), m.containerPort(), p.why()));
        }
        for (Removal r : plan.removals(Backend.NFT)) {
            io.cnifix.model.nft.NftRule n = r.nftRule();
            byChain.computeIfAbsent(n.family() + " " + n.table() + " " + n.chain(), k -> new ArrayList<>())
                    .add(String.format("- handle %d: %s%n    %s", n.handle(), n.text(), r.why()));
        }
        for (Map.Entry<String, List<String>> e : byChain.entrySet()) {
            String[] w = e.getKey().split(" ", 3);
            out.println("nftables table " + w[0] + " " + w[1] + ", chain " + w[2] + ":");
            e.getValue().forEach(out::println);
        }
    }

    private static String backend(Backend b) {
        return switch (b) {
            case IPTABLES -> "iptables";
            case NFT -> "nft";
            case FIREWALLD -> "firewalld";
        };
    }

    /** The back end a proposal is written for, as the text output names it. */
    private static String where(Proposal p) {
        return switch (p.backend()) {
            case FIREWALLD -> "firewalld " + p.table(); // "firewalld direct ipv4 filter FORWARD 100": chain, priority
            case NFT -> "nft " + p.table();
            default -> p.family() == Family.V4 ? "iptables" : "ip6tables";
        };
    }

    static Map<String, Object> json(Plan plan) {
        List<Object> rules = new ArrayList<>();
        for (Proposal p : plan.additions()) {
            PortMapping m = p.fixes();
            rules.add(Json.obj("family", p.family() == Family.V4 ? "ipv4" : "ipv6", "table", p.table(), "chain", p.chain(),
                    "position", p.position(), "rule", p.spec(),
                    "line", p.backend() == Backend.NFT ? Scripts.nftCommands(new Plan(List.of(p), List.of(), List.of(), List.of())).get(0)
                            : io.cnifix.remedy.FirewalldDrafts.isDirect(p) ? io.cnifix.remedy.FirewalldDrafts.line(p) : p.line(),
                    "backend", backend(p.backend()),
                    "fixes", Json.obj("container", m.containerName(), "containerId", m.containerId(), "protocol", m.protocol(),
                            "hostIp", m.hostIp() == null ? "" : m.hostIp().toString(), "hostPort", m.hostPort(),
                            "containerIp", m.containerIp().toString(), "containerPort", m.containerPort()),
                    "why", p.why()));
        }
        List<Object> removals = new ArrayList<>();
        for (Removal r : plan.removals()) {
            if (r.backend() == Backend.NFT) {
                io.cnifix.model.nft.NftRule n = r.nftRule();
                removals.add(Json.obj("family", r.family() == Family.V4 ? "ipv4" : "ipv6", "table", n.family() + " " + n.table(),
                        "chain", n.chain(), "handle", n.handle(), "text", n.text(), "backend", "nft", "why", r.why()));
                continue;
            }
            Map<String, Object> ref = RuleRefs.rule(r.rule());
            ref.put("backend", backend(r.backend()));
            ref.put("family", r.family() == Family.V4 ? "ipv4" : "ipv6");
            ref.put("why", r.why());
            removals.add(ref);
        }
        return Json.doc("rules", rules, "removals", removals, "untouched", plan.untouched(), "proven", plan.proven(),
                "problems", plan.proofProblems());
    }
}
