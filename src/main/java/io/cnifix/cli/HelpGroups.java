package io.cnifix.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Help with the options in groups, by the mixin that declares them (where to read the host from, the reference,
 * output, applying), instead of one alphabetical list of over 25 options.
 */
final class HelpGroups implements CommandLine.IHelpSectionRenderer {
    /** Mixin field name to heading, in the order shown. */
    private static final Map<String, String> HEADINGS = new LinkedHashMap<>();

    static {
        HEADINGS.put("state", "Where to read the host from (default: the live host):");
        HEADINGS.put("reference", "What the host is judged against:");
        HEADINGS.put("apply", "Applying (root):");
        HEADINGS.put("persist", "");
        HEADINGS.put("output", "Output:");
    }

    private HelpGroups() {
    }

    static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, new HelpGroups());
        var usage = cl.getCommandSpec().usageMessage();
        List<String> examples = Docs.EXAMPLES.get(cl.getCommandName());
        if (usage.footer().length == 0 && examples != null && cl.getParent() != null) {
            usage.footerHeading("%nExamples:%n").footer(examples.stream().map(e -> "  " + e).toArray(String[]::new));
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            install(sub);
        }
    }

    @Override
    public String render(CommandLine.Help help) {
        CommandSpec spec = help.commandSpec();
        if (spec.mixins().keySet().stream().noneMatch(HEADINGS::containsKey)) {
            return help.optionList();
        }
        List<OptionSpec> shown = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        List<OptionSpec> own = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.hidden() && !inMixin(spec, o)) {
                own.add(o);
            }
        }
        if (!own.isEmpty()) {
            sb.append(section(help, "", own));
            shown.addAll(own);
        }
        for (Map.Entry<String, String> h : HEADINGS.entrySet()) {
            CommandSpec mixin = spec.mixins().get(h.getKey());
            if (mixin == null) {
                continue;
            }
            List<OptionSpec> opts = spec.options().stream()
                    .filter(o -> !o.hidden() && mixin.options().stream().anyMatch(m -> m.longestName().equals(o.longestName()))).toList();
            sb.append(section(help, h.getValue(), opts));
            shown.addAll(opts);
        }
        List<OptionSpec> rest = spec.options().stream().filter(o -> !o.hidden() && !shown.contains(o)).toList();
        if (!rest.isEmpty()) {
            sb.append(section(help, "Help:", rest));
        }
        return sb.toString();
    }

    private static boolean inMixin(CommandSpec spec, OptionSpec o) {
        return spec.mixins().values().stream().anyMatch(m -> m.options().stream().anyMatch(x -> x.longestName().equals(o.longestName())));
    }

    private static String section(CommandLine.Help help, String heading, List<OptionSpec> opts) {
        String body = help.optionListExcludingGroups(opts, help.createDefaultLayout(), null, help.createDefaultParamLabelRenderer());
        return heading.isEmpty() ? body : String.format("%n%s%n", heading) + body;
    }
}
