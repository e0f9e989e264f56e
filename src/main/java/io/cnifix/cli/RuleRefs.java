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

    static Map<String, Object> decider(Decider d) {
        if (d == null) {
            return null;
        }
        if (d instanceof Decider.ByRule r) {
            return rule(r.rule());
        }
        if (d instanceof Decider.ByPolicy p) {
            return Json.obj("table", p.table(), "chain", p.chain(), "policy", true, "target", p.policy());
        }
        if (d instanceof Decider.ByNftRule n) {
            return Json.obj("table", n.table(), "chain", n.baseChain(), "priority", n.priority(), "ruleChain", n.rule().chain(),
                    "handle", n.rule().handle(), "text", n.rule().text());
        }
        if (d instanceof Decider.ByNftPolicy p) {
            return Json.obj("table", p.table(), "chain", p.chain(), "priority", p.priority(), "policy", true, "target", p.policy());
        }
        if (d instanceof Decider.ByOrder o) {
            return Json.obj("order", o.describe());
        }
        return Json.obj("routing", ((Decider.ByRouting) d).reason());
    }
}
