package io.cnifix.ingest;

import io.cnifix.model.Ruleset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Parses iptables-save files and prints every rule that does not render back as written. Usage: RoundTripCheck FILE... */
public final class RoundTripCheck {
    private RoundTripCheck() {
    }

    public static void main(String[] args) throws Exception {
        int rules = 0;
        int bad = 0;
        for (String f : args) {
            Ruleset r = IptablesSaveParser.parse(new InputText(f, Files.readString(Path.of(f))));
            rules += r.ruleCount();
            List<String> diffs = RoundTrip.differences(r);
            bad += diffs.size();
            diffs.forEach(d -> System.out.println("DIFF " + d));
        }
        System.out.println(args.length + " files, " + rules + " rules, " + bad + " rendered differently");
        System.exit(bad == 0 ? 0 : 1);
    }
}
