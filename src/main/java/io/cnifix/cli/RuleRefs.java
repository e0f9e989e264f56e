package io.cnifix.cli;

import io.cnifix.engine.Decider;
import io.cnifix.model.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How rules and deciders appear in JSON and text output. */
final class RuleRefs {
    private RuleRefs() {
    }

    static Map<String, Object> rule(Rule r) {
        return Json.obj("table", r.table(), "chain", r.chain(), "rule", r.number(), "line", r.line(), "text", r.text(),
                "source", r.source());
    }

    static List<Object> rules(List<Rule> rules) {
        List<Object> out = new ArrayList<>();
        for (Rule r : rules) {
            out.add(rule(r));
        }
        return out;
    }

    /**
     * One shape for every kind of decider, so a script reads the same keys: a rule fills table to source, a chain
     * policy sets {@code policy} and {@code target}, routing sets {@code routing}; a native nftables rule or base
     * chain also sets {@code priority}, and a rule {@code ruleChain} and {@code handle}; base chains of equal priority
     * whose order decided set {@code order}. The rest are null.
     */
    static Map<String, Object> decider(Decider d) {
        if (d == null) {
            return null;
        }
        Map<String, Object> out = Json.obj("table", null, "chain", null, "rule", null, "line", null, "text", null,
                "source", null, "policy", false, "target", null, "routing", null, "priority", null, "ruleChain", null,
                "handle", null, "order", null);
        if (d instanceof Decider.ByRule r) {
            out.putAll(rule(r.rule()));
            out.put("target", r.rule().target() == null ? null : targetName(r.rule()));
        } else if (d instanceof Decider.ByPolicy p) {
            out.putAll(Json.obj("table", p.table(), "chain", p.chain(), "policy", true, "target", p.policy()));
        } else if (d instanceof Decider.ByNftRule n) {
            out.putAll(Json.obj("table", n.table(), "chain", n.baseChain(), "priority", n.priority(), "ruleChain", n.rule().chain(),
                    "handle", n.rule().handle(), "text", n.rule().text(), "source", n.standIn() == null ? null : n.standIn().source()));
        } else if (d instanceof Decider.ByNftPolicy p) {
            out.putAll(Json.obj("table", p.table(), "chain", p.chain(), "priority", p.priority(), "policy", true, "target", p.policy()));
        } else if (d instanceof Decider.ByOrder o) {
            out.put("order", o.describe());
        } else if (d instanceof Decider.ByRouting r) {
            out.put("routing", r.reason());
        }
        return out;
    }

    /** The verdict word a rule's target renders as: ACCEPT, DROP, REJECT, a chain jumped to... */
    private static String targetName(Rule r) {
        StringBuilder sb = new StringBuilder();
        r.target().render(sb);
        String[] words = sb.toString().strip().split("\\s+");
        return words.length >= 2 && (words[0].equals("-j") || words[0].equals("-g")) ? words[1] : null;
    }
}
