package io.cnifix.cli;

import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.PortStatus;

import java.util.ArrayList;
import java.util.List;

/** The last lines of a text result: what to run next, or that nothing needs doing (like git status). */
final class Next {
    private Next() {
    }

    static List<String> afterDiff(DiffReport r) {
        List<String> out = new ArrayList<>();
        long unknown = r.count(PortStatus.UNKNOWN);
        if (r.count(PortStatus.GAP) + r.count(PortStatus.MISSING_DNAT) > 0) {
            out.add("To see the rules that close the gaps: cnifix suggest");
            out.add("To install them (verified, undone on failure): sudo cnifix suggest --apply");
        }
        if (!r.exposures().isEmpty()) {
            out.add("Exposures are let in by the rules named above: change them if not meant.");
            out.add("(On a Docker 17-27 host, judge with --docker-model classic.)");
        }
        if (out.isEmpty() && r.needsFixing()) {
            out.add("Review the findings above: each names the rule and its line.");
        }
        if (MissingInput.networks(r)) {
            out.add("Ports marked unknown need their container network:");
            out.add(MissingInput.NETWORKS_HINT + ".");
        } else if (unknown > 0) {
            out.add(Words.count(unknown, "port") + " could not be judged: check by hand the rule its WHY names;");
            out.add("cnifix trace CONTAINER:PORT shows the whole path.");
        }
        if (out.isEmpty()) {
            out.add("Nothing to do: every published port behaves as it would under Docker.");
        }
        return out;
    }
}
