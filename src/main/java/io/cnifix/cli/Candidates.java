package io.cnifix.cli;

import picocli.CommandLine;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Closed sets of option values: picocli lists them in help and completion ({@code completionCandidates}) and the
 * converters refuse anything else at parse time (exit 2 with the candidates), accepting any letter case since
 * none of these values differ only by case.
 */
final class Candidates {
    private Candidates() {
    }

    /** Checks a value against its candidates and returns the canonical spelling. */
    static String check(String value, List<String> allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(value)) {
                return a;
            }
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not one of " + String.join(", ", allowed));
    }

    abstract static class Set implements Iterable<String>, CommandLine.ITypeConverter<String> {
        abstract List<String> values();

        @Override
        public Iterator<String> iterator() {
            return values().iterator();
        }

        @Override
        public String convert(String value) {
            return check(value, values());
        }
    }

    /** Every --format any command takes; each command then says which of them it prints. */
    static final class Formats extends Set {
        @Override
        List<String> values() {
            return List.of("text", "json", "iptables", "restore", "nft", "firewall-cmd");
        }
    }

    static final class DockerModels extends Set {
        @Override
        List<String> values() {
            return List.of("current", "classic");
        }
    }

    static final class Protocols extends Set {
        @Override
        List<String> values() {
            return List.of("tcp", "udp", "sctp", "icmp");
        }

        /** Protocol numbers and other names from /etc/protocols are meaningful too: only letter case is normalised. */
        @Override
        public String convert(String value) {
            return value.toLowerCase(Locale.ROOT);
        }
    }

    static final class States extends Set {
        @Override
        List<String> values() {
            return List.of("NEW", "ESTABLISHED", "RELATED", "INVALID");
        }
    }
}
