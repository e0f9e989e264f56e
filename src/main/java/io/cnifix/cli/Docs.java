package io.cnifix.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Documentation made from the command definitions in the package phase (pom.xml): the bash completion, and the
 * finishing of picocli's AsciiDoc man pages (section 8, EXIT STATUS, EXAMPLES, FILES, SEE ALSO).
 * <pre>
 *   Docs completion FILE     write the bash completion script
 *   Docs man DIR             finish the man pages ManPageGenerator wrote in DIR
 * </pre>
 */
public final class Docs {
    /** Value labels that name a file or directory: completed with file names. */
    private static final Set<String> FILE_LABELS = Set.of("FILE", "PATH", "CMD");
    private static final Set<String> DIR_LABELS = Set.of("DIR", "DOCKER_SNAPSHOT");

    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: Docs completion FILE | Docs man DIR");
        }
        CommandLine cl = Main.full(new DocsFactory());
        switch (args[0]) {
            case "completion" -> Files.writeString(Path.of(args[1]), bash(cl));
            case "man" -> finishMan(Path.of(args[1]), cl);
            default -> throw new IllegalArgumentException("unknown: " + args[0]);
        }
    }

    // ---- bash completion -------------------------------------------------------------------------------------

    static String bash(CommandLine root) {
        StringBuilder sb = new StringBuilder();
        sb.append("# bash completion for cnifix, generated from its command definitions (io.cnifix.cli.Docs).\n");
        sb.append("# Install as /usr/share/bash-completion/completions/cnifix, or source it.\n\n");
        sb.append("_complete_cnifix() {\n");
        sb.append("    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n");
        // "--format=j": bash splits at "=" (COMP_WORDBREAKS), so the option is two words back
        sb.append("    if [[ $cur == = ]]; then prev=${COMP_WORDS[COMP_CWORD-1]}; cur=; fi\n");
        sb.append("    if [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n");
        sb.append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        sb.append("        case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n");
        sb.append("    done\n");
        sb.append("    case $cmd in\n");
        sb.append("    '')\n");
        sb.append("        COMPREPLY=($(compgen -W '").append(String.join(" ", root.getSubcommands().keySet())).append(" ")
                .append(optionWords(root.getCommandSpec())).append("' -- \"$cur\"))\n        ;;\n");
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            sb.append("    ").append(e.getKey()).append(")\n");
            sb.append(commandCase(e.getKey(), e.getValue().getCommandSpec(), root));
            sb.append("        ;;\n");
        }
        sb.append("    esac\n");
        sb.append("}\n");
        sb.append("complete -F _complete_cnifix cnifix\n");
        return sb.toString();
    }

    private static String optionWords(CommandSpec spec) {
        List<String> words = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                words.addAll(List.of(o.names()));
            }
        }
        return String.join(" ", words);
    }

    private static String commandCase(String name, CommandSpec spec, CommandLine root) {
        StringBuilder sb = new StringBuilder();
        sb.append("        case $prev in\n");
        for (OptionSpec o : spec.options()) {
            if (o.arity().max() == 0) {
                continue;
            }
            sb.append("        ").append(String.join("|", o.names())).append(")\n");
            sb.append("            ").append(valueCompletion(o)).append("\n            return ;;\n");
        }
        sb.append("        esac\n");
        String positional = "";
        for (PositionalParamSpec p : spec.positionalParameters()) {
            positional = valueCompletion(p);
        }
        if (name.equals("help")) {
            positional = "COMPREPLY=($(compgen -W '" + String.join(" ", root.getSubcommands().keySet()) + "' -- \"$cur\"))";
        }
        sb.append("        if [[ $cur == -* || -z \"").append(positional.isEmpty() ? "" : "x").append("\" ]]; then\n");
        sb.append("            COMPREPLY=($(compgen -W '").append(optionWords(spec)).append("' -- \"$cur\"))\n");
        sb.append("        else\n");
        sb.append("            ").append(positional.isEmpty() ? ":" : positional).append("\n");
        sb.append("        fi\n");
        return sb.toString();
    }

    /** Candidates when the option lists them, file or directory names for a path, nothing for free text. */
    private static String valueCompletion(ArgSpec a) {
        if (a.completionCandidates() != null) {
            List<String> words = new ArrayList<>();
            a.completionCandidates().forEach(words::add);
            if (!words.isEmpty()) {
                return "COMPREPLY=($(compgen -W '" + String.join(" ", words) + "' -- \"$cur\"))";
            }
        }
        String label = a.paramLabel().replaceAll("[<>]", "");
        if (DIR_LABELS.contains(label)) {
            return "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))";
        }
        if (FILE_LABELS.contains(label) || a.type() == Path.class || a.type() == java.io.File.class) {
            return "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))";
        }
        return "COMPREPLY=()";
    }

    // ---- man pages ------------------------------------------------------------------------------------------

    private static final String EXIT_STATUS = """
            == Exit status

            *0*:: nothing to fix (with *--apply*: fixed and verified; for *trace*: the trace ran)
            *1*:: a gap, a missing DNAT or an exposure was found (for *suggest* without *--apply*: rules to propose)
            *2*:: bad input or usage: the message names the file and line
            *3*:: environment: not root where root is needed, a required tool missing
            *4*:: an apply failed and was rolled back; the ruleset is as it was
            *5*:: some ports could not be judged (unknown) and nothing else was found to fix
            *6*:: an apply failed and its rollback failed too: the firewall may be changed; the message says what is left and names the backup

            A run that finds a gap and also an unknown port exits 1. Errors (2, 3, 4, 6) take precedence over results (0, 1, 5).
            """;

    private static final String FILES = """
            == Files

            _/var/lib/cnifix/backups/_:: rulesets saved before every change (*--backup-dir*)
            _/run/cnifix/_:: cnifix's lock and the OCI hook's records
            _/etc/cnifix/_:: per-container policy
            _/usr/share/containers/oci/hooks.d/cnifix-*.json_:: the OCI hook definitions
            _/etc/cni/net.d/_, _/etc/containers/networks/_:: container networks cnifix reads
            """;

    /** A few command lines per command, for its help and its man page. */
    static final Map<String, List<String>> EXAMPLES = Map.of(
            "cnifix", List.of("cnifix diff", "sudo cnifix suggest --apply", "cnifix trace web:8080", "cnifix snapshot --tar host.tar.gz /tmp/snap"),
            "diff", List.of("cnifix diff", "cnifix diff --snapshot DIR --format json | jq .summary",
                    "cnifix diff --rules iptables.save --ports podman-inspect.json --networks /etc/cni/net.d"),
            "suggest", List.of("cnifix suggest", "sudo cnifix suggest --apply", "cnifix suggest --format restore > fix.rules"),
            "trace", List.of("cnifix trace web:8080", "cnifix trace web:8080 --from 198.51.100.7",
                    "cnifix trace --in eth0 --src 203.0.113.9 --dst 198.51.100.1 --proto tcp --dport 8080"),
            "show", List.of("cnifix show", "cnifix show --snapshot DIR --format json"),
            "prune", List.of("cnifix prune", "sudo cnifix prune --apply"),
            "reconcile", List.of("cnifix reconcile --dry-run", "sudo cnifix reconcile"),
            "snapshot", List.of("sudo cnifix snapshot /tmp/snap", "sudo cnifix snapshot --tar host.tar.gz /tmp/snap"),
            "help", List.of("cnifix help", "cnifix help diff"),
            "hook", List.of("(run by Podman from scripts/hooks/cnifix-poststart.json)"));

    static void finishMan(Path dir, CommandLine root) throws IOException {
        String version = new Main.Version().getVersion()[0];
        Set<String> pages = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".adoc")).forEach(p -> pages.add(p.getFileName().toString().replace(".adoc", "")));
        }
        for (String page : pages) {
            Path p = dir.resolve(page + ".adoc");
            String text = Files.readString(p);
            if (text.contains("== Exit status")) {
                continue; // finished by an earlier run
            }
            text = text.replace("= " + page + "(1)", "= " + page + "(8)")
                    .replaceAll("(?m)^:revnumber:.*$", ":revnumber: " + version)
                    .replaceAll("(?m)^:mansource:.*$", ":mansource: " + version)
                    .replace(":manmanual: Cnifix Manual", ":manmanual: cnifix Manual");
            // picocli renders the footer and exit codes as "==  Examples:" sections: one heading, ours, each
            text = text.replaceAll("(?s)// tag::picocli-generated-man-section-exit-status\\[].*?// end::picocli-generated-man-section-exit-status\\[]\\n", "");
            text = text.replaceAll("(?s)// tag::picocli-generated-man-section-footer\\[].*?// end::picocli-generated-man-section-footer\\[]\\n", "");
            String cmd = page.equals("cnifix") ? "cnifix" : page.substring("cnifix-".length());
            StringBuilder extra = new StringBuilder();
            extra.append(EXIT_STATUS).append('\n');
            extra.append("== Examples\n\n");
            for (String ex : EXAMPLES.getOrDefault(cmd, List.of("cnifix " + cmd + " --help"))) {
                extra.append("  ").append(ex).append("\n");
            }
            extra.insert(extra.indexOf("== Examples\n\n") + "== Examples\n\n".length(), "[%hardbreaks]\n");
            extra.append('\n').append(FILES).append('\n');
            extra.append("== See also\n\n");
            List<String> see = new ArrayList<>();
            for (String other : pages) {
                if (!other.equals(page)) {
                    see.add("*" + other + "*(8)");
                }
            }
            see.addAll(List.of("*iptables-save*(8)", "*nft*(8)", "*podman-network*(1)", "*firewall-cmd*(1)"));
            extra.append(String.join(", ", see)).append("\n\n");
            String end = "// end::picocli-generated-full-manpage[]";
            text = text.contains(end) ? text.replace(end, extra + end) : text + "\n" + extra;
            Files.writeString(p, text);
        }
    }
}
