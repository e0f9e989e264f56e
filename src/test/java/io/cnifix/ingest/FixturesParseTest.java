package io.cnifix.ingest;

import io.cnifix.Fixtures;
import io.cnifix.model.HostState;
import io.cnifix.model.Ruleset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FixturesParseTest {
    static List<String> fixtures() {
        return Fixtures.names();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyFixtureParsesAndEveryRuleRendersBackAsWritten(String name) {
        HostState h = Fixtures.host(name);
        assertFalse(h.rulesets().isEmpty(), name);
        assertFalse(h.mappings().isEmpty(), name + ": no published ports read");
        for (Ruleset r : h.rulesets()) {
            List<String> diffs = RoundTrip.differences(r);
            assertTrue(diffs.isEmpty(), () -> String.join("\n", diffs));
        }
        h.mappings().forEach(m -> assertTrue(m.containerIp() != null, name + ": no address for " + m));
    }
}
