package io.cnifix.ingest;

import io.cnifix.model.Cidr;
import io.cnifix.model.Container;
import io.cnifix.model.Intent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads what an admin declared for containers' ports: the {@code io.cnifix.*} labels set at {@code podman run} /
 * {@code docker run}, and the policy file ({@code /etc/cnifix/policy.conf}) for containers one cannot relabel.
 *
 * <p>Policy file: one entry a line, {@code #} starts a comment, the first entry that matches a container wins:
 * <pre>
 *   container NAME  [allow-from=CIDR,...] [ports=HOSTPORT[/PROTO],...] [skip]
 *   image PATTERN   [allow-from=CIDR,...] [ports=HOSTPORT[/PROTO],...] [skip]
 * </pre>
 * NAME and PATTERN may use {@code *} for any text. A container's own labels take precedence over the file, since
 * they were set for that very container.
 */
public final class IntentReader {
    private IntentReader() {
    }

    /** One policy-file entry: what it matches (by container name or image) and what it declares. */
    public record PolicyEntry(String by, String pattern, Intent intent) {
        boolean matches(Container c) {
            String subject = by.equals("container") ? c.name() : c.image();
            return subject != null && glob(pattern).matcher(subject).matches();
        }
    }

    /** The intent a container's labels declare, or null when it has no io.cnifix.* label. */
    public static Intent fromLabels(Container c) {
        Map<String, String> l = c.labels();
        if (!l.containsKey(Intent.LABEL_ALLOW_FROM) && !l.containsKey(Intent.LABEL_PORTS) && !l.containsKey(Intent.LABEL_SKIP)) {
            return null;
        }
        String where = "container " + c.name() + " (" + c.source() + ")";
        boolean skip = false;
        if (l.containsKey(Intent.LABEL_SKIP)) {
            String v = l.get(Intent.LABEL_SKIP).trim().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new InputException(where, 0, "label " + Intent.LABEL_SKIP + "=" + l.get(Intent.LABEL_SKIP)
                        + ": expected true or false");
            }
            skip = v.equals("true");
        }
        List<Intent.PortSpec> ports = l.containsKey(Intent.LABEL_PORTS)
                ? ports(l.get(Intent.LABEL_PORTS), where, 0, "label " + Intent.LABEL_PORTS) : List.of();
        List<Cidr> from = l.containsKey(Intent.LABEL_ALLOW_FROM)
                ? cidrs(l.get(Intent.LABEL_ALLOW_FROM), where, 0, "label " + Intent.LABEL_ALLOW_FROM) : List.of();
        String origin = skip ? "label " + Intent.LABEL_SKIP + " on " + c.name()
                : !from.isEmpty() ? "label " + Intent.LABEL_ALLOW_FROM + " on " + c.name()
                : "label " + Intent.LABEL_PORTS + " on " + c.name();
        return new Intent(skip, ports, from, origin);
    }

    public static List<PolicyEntry> policy(InputText in) {
        List<PolicyEntry> out = new ArrayList<>();
        String[] lines = in.content().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            line = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            if (!words[0].equals("container") && !words[0].equals("image")) {
                throw new InputException(in.name(), n, "expected 'container NAME ...' or 'image PATTERN ...', got '" + words[0] + "'");
            }
            if (words.length < 3) {
                throw new InputException(in.name(), n, words[0] + " " + (words.length > 1 ? words[1] : "")
                        + ": say what to do (allow-from=CIDR,..., ports=PORT[/PROTO],..., or skip)");
            }
            boolean skip = false;
            List<Intent.PortSpec> ports = List.of();
            List<Cidr> from = List.of();
            for (int w = 2; w < words.length; w++) {
                String word = words[w];
                if (word.equals("skip")) {
                    skip = true;
                } else if (word.startsWith("allow-from=")) {
                    from = cidrs(word.substring("allow-from=".length()), in.name(), n, "allow-from");
                } else if (word.startsWith("ports=")) {
                    ports = ports(word.substring("ports=".length()), in.name(), n, "ports");
                } else {
                    throw new InputException(in.name(), n, "unknown word '" + word + "' (expected allow-from=, ports= or skip)");
                }
            }
            out.add(new PolicyEntry(words[0], words[1], new Intent(skip, ports, from, in.name() + ":" + n)));
        }
        return out;
    }

    /** Each container with what its labels, or else the first matching policy entry, declare. */
    public static List<Container> resolve(List<Container> containers, List<PolicyEntry> policy) {
        List<Container> out = new ArrayList<>();
        for (Container c : containers) {
            Intent i = fromLabels(c);
            if (i == null) {
                i = policy.stream().filter(e -> e.matches(c)).map(PolicyEntry::intent).findFirst().orElse(null);
            }
            out.add(i == null ? c : c.withIntent(i));
        }
        return out;
    }

    private static List<Intent.PortSpec> ports(String text, String file, int line, String what) {
        List<Intent.PortSpec> out = new ArrayList<>();
        for (String p : text.split(",", -1)) {
            String t = p.trim();
            String proto = null;
            int slash = t.indexOf('/');
            if (slash >= 0) {
                proto = t.substring(slash + 1).toLowerCase(Locale.ROOT);
                t = t.substring(0, slash);
                if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
                    throw new InputException(file, line, what + ": '" + p.trim() + "': protocol must be tcp, udp or sctp");
                }
            }
            int port;
            try {
                port = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new InputException(file, line, what + ": '" + p.trim() + "' is not HOSTPORT[/PROTO] (a port 1-65535)");
            }
            out.add(new Intent.PortSpec(port, proto));
        }
        return out;
    }

    private static List<Cidr> cidrs(String text, String file, int line, String what) {
        List<Cidr> out = new ArrayList<>();
        for (String p : text.split(",", -1)) {
            try {
                out.add(Cidr.parse(p.trim()));
            } catch (IllegalArgumentException e) {
                throw new InputException(file, line, what + ": '" + p.trim() + "' is not an address or CIDR (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    private static Pattern glob(String g) {
        List<String> quoted = new ArrayList<>();
        for (String part : g.split("\\*", -1)) {
            quoted.add(Pattern.quote(part));
        }
        return Pattern.compile(String.join(".*", quoted));
    }
}
