package io.cnifix.ingest;

import io.cnifix.model.Chain;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;

import java.util.ArrayList;
import java.util.List;

/** Compares a parsed ruleset, re-rendered from its typed model, with the rule lines it came from. */
public final class RoundTrip {
    private RoundTrip() {
    }

    /** Every rule whose rendering differs from its source line, as "file:line: expected | got". */
    public static List<String> differences(Ruleset ruleset) {
        List<String> out = new ArrayList<>();
        for (Table t : ruleset.tables().values()) {
            for (Chain c : t.chains().values()) {
                for (Rule r : c.rules()) {
                    String rendered = r.render();
                    if (!rendered.equals(r.text())) {
                        out.add(r.source() + ":" + r.line() + ": " + r.text() + " | " + rendered);
                    }
                }
            }
        }
        return out;
    }
}
