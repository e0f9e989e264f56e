package io.cnifix.system;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.RuleTokens;
import io.cnifix.model.Chain;
import io.cnifix.model.Family;
import io.cnifix.model.Rule;
import io.cnifix.model.Ruleset;
import io.cnifix.model.Table;
import io.cnifix.remedy.OwnedRule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One boot-time rules file (iptables-save format, as iptables-services loads it with a full iptables-restore) and
 * cnifix's block in it. The block sits at the end of the filter table, just before its COMMIT:
 * <pre>
 * # cnifix: BEGIN ...
 * :CNI-FORWARD - [0:0]                      (chains the engines create at run time, which the file does not declare)
 * -A CNI-FORWARD -d 10.88.0.5/32 ... -m comment --comment "cnifix: web tcp/8080" -j ACCEPT
 * -I FORWARD 3 -d 172.17.0.2/32 ...          (a chain the admin's file fills: before its final catch-all DROP/REJECT)
 * # cnifix: END
 * </pre>
 * Every line outside the block is kept byte for byte, except rules carrying cnifix's comment (left there by an
 * {@code iptables-save > FILE} while cnifix's rules were live), which the block replaces. A file whose new content
 * does not pass {@code iptables-restore --test} is not written.
 */
public final class PersistFile {
    public static final String BEGIN = "# cnifix: BEGIN rules cnifix owns (cnifix --persist rewrites this block; edits inside it are lost)";
    public static final String END = "# cnifix: END";
    private static final String MARK_BEGIN = "# cnifix: BEGIN";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path file;
    private final Family family;
    private final ProcessRunner runner;

    public PersistFile(Path file, Family family, ProcessRunner runner) {
        this.file = file;
        this.family = family;
        this.runner = runner;
    }

    /** The filter-table rules of {@code rs} that carry cnifix's mark, chain by chain in the ruleset's order. */
    public static List<Rule> owned(Ruleset rs) {
        List<Rule> out = new ArrayList<>();
        Table filter = rs.table("filter");
        if (filter == null) {
            return out;
        }
        for (Chain c : filter.chains().values()) {
            for (Rule r : c.rules()) {
                if (OwnedRule.isOwned(r)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** Fails (exit 3) unless {@code file} is a readable, writable rules file with a filter table. */
    public static void check(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EnvironmentException("--persist: " + file + " does not exist (is iptables-services installed?"
                    + " give --persist-file for another file)");
        }
        if (!Files.isReadable(file) || !Files.isWritable(file) || !Files.isWritable(file.toAbsolutePath().getParent())) {
            throw new EnvironmentException("--persist: cannot write " + file + " (permission denied)");
        }
        try {
            merge(io.cnifix.ingest.BoundedRead.file(file).content(), file.toString(), List.of());
        } catch (IOException e) {
            throw new EnvironmentException("--persist: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Puts {@code owned} into the file; true when its content changed. */
    public boolean write(List<Rule> owned) {
        String old;
        try {
            old = io.cnifix.ingest.BoundedRead.file(file).content();
        } catch (IOException e) {
            throw new EnvironmentException("--persist: cannot read " + file + ": " + e.getMessage(), e);
        }
        String now = merge(old, file.toString(), owned);
        if (now.equals(old)) {
            return false;
        }
        validate(now);
        replace(now);
        return true;
    }

    /** Before anything changes live: builds the file's new content for {@code owned} and runs restore --test on it. */
    public void test(List<Rule> owned) {
        String old;
        try {
            old = io.cnifix.ingest.BoundedRead.file(file).content();
        } catch (IOException e) {
            throw new EnvironmentException("--persist: cannot read " + file + ": " + e.getMessage(), e);
        }
        validate(merge(old, file.toString(), owned));
    }

    private void validate(String content) {
        String restore = family == Family.V4 ? "iptables-restore" : "ip6tables-restore";
        if (!runner.exists(restore)) {
            return;
        }
        // CRLF files are handled line by line with the \r stripped; the restore test sees the same lines.
        ProcessRunner.Result r = runner.run(List.of(restore, "--test"), content.replace("\r\n", "\n"), TIMEOUT);
        if (!r.ok()) {
            throw new EnvironmentException("--persist: the new " + file + " would not load at boot (" + r.describe()
                    + "); left it unchanged");
        }
    }

    /** Writes next to the file and renames over it: a crash leaves the old file or the new one, never half of one. */
    private void replace(String content) {
        Path real;
        try {
            real = file.toRealPath(); // a symlinked file: the link stays, its target gets the new content
        } catch (IOException e) {
            throw new EnvironmentException("--persist: cannot resolve " + file + ": " + e.getMessage(), e);
        }
        Path tmp = real.resolveSibling("." + real.getFileName() + ".cnifix-new");
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(real);
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, mode);
            try {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Nothing more to do; the original file was not touched.
            }
            throw new EnvironmentException("--persist: cannot write " + file + ": " + e.getMessage(), e);
        }
        if (runner.exists("restorecon")) {
            // SELinux: the renamed file carries the temporary file's label; give it the policy's label for the path.
            runner.run(List.of("restorecon", real.toString()), null, TIMEOUT);
        }
    }

    /**
     * The file's text with cnifix's block replaced by one holding {@code owned} (no block when it is empty).
     * Throws when the file has no filter table or a block without its end marker.
     */
    public static String merge(String text, String name, List<Rule> owned) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        boolean finalNewline = text.endsWith("\n");
        if (finalNewline) {
            lines.remove(lines.size() - 1);
        }
        String cr = text.contains("\r\n") ? "\r" : "";
        List<String> kept = new ArrayList<>();
        int blockStart = -1;
        String table = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            String t = l.strip();
            if (blockStart >= 0) {
                if (isEnd(l)) {
                    blockStart = -1;
                }
                continue;
            }
            if (t.startsWith("*")) {
                table = t.substring(1);
            } else if (t.equals("COMMIT")) {
                table = null;
            }
            boolean filter = "filter".equals(table);
            if (filter && isBegin(l)) {
                blockStart = i;
                continue;
            }
            if (filter && isOwnedRuleLine(t)) {
                continue;
            }
            kept.add(l);
        }
        if (blockStart >= 0) {
            throw new EnvironmentException("--persist: " + name + ":" + (blockStart + 1) + ": cnifix's block has no \""
                    + END + "\" line; repair the file by hand");
        }
        int filterStart = -1;
        int commit = -1;
        for (int i = 0; i < kept.size(); i++) {
            String t = kept.get(i).strip();
            if (t.equals("*filter") && filterStart < 0) {
                filterStart = i;
            } else if (filterStart >= 0 && commit < 0 && t.equals("COMMIT")) {
                commit = i;
            }
        }
        if (filterStart < 0 || commit < 0) {
            throw new EnvironmentException("--persist: " + name + " has no *filter table ending in COMMIT; cnifix adds its"
                    + " rules only to a file that already manages the filter table");
        }
        Set<String> declared = new LinkedHashSet<>();
        Map<String, Integer> rulesIn = new LinkedHashMap<>();
        Map<String, Integer> catchAll = new LinkedHashMap<>();
        for (int i = filterStart + 1; i < commit; i++) {
            String t = kept.get(i).strip();
            if (t.startsWith(":")) {
                int sp = t.indexOf(' ');
                declared.add(sp < 0 ? t.substring(1) : t.substring(1, sp));
            } else if (t.startsWith("-A ")) {
                List<String> w = words(t);
                if (w.size() >= 2) {
                    String chain = w.get(1);
                    int n = rulesIn.merge(chain, 1, Integer::sum);
                    if (!catchAll.containsKey(chain) && w.size() >= 4 && w.get(2).equals("-j")
                            && (w.get(3).equals("DROP") || w.get(3).equals("REJECT"))) {
                        catchAll.put(chain, n);
                    }
                }
            }
        }
        List<String> block = new ArrayList<>();
        if (!owned.isEmpty()) {
            block.add(BEGIN);
            Set<String> builtin = Table.builtinChains("filter");
            Set<String> toDeclare = new LinkedHashSet<>();
            for (Rule r : owned) {
                if (!declared.contains(r.chain()) && !builtin.contains(r.chain())) {
                    toDeclare.add(r.chain());
                }
            }
            for (String c : toDeclare) {
                block.add(":" + c + " - [0:0]");
            }
            Map<String, Integer> inserted = new LinkedHashMap<>();
            for (Rule r : owned) {
                String spec = r.text().substring(("-A " + r.chain() + " ").length());
                Integer before = catchAll.get(r.chain());
                if (before == null) {
                    block.add("-A " + r.chain() + " " + spec);
                } else {
                    int k = inserted.merge(r.chain(), 1, Integer::sum) - 1;
                    block.add("-I " + r.chain() + " " + (before + k) + " " + spec);
                }
            }
            block.add(END);
        }
        List<String> out = new ArrayList<>(kept.subList(0, commit));
        for (String b : block) {
            out.add(b + cr); // the file's own line ending
        }
        out.addAll(kept.subList(commit, kept.size()));
        return String.join("\n", out) + (finalNewline || !text.isEmpty() ? "\n" : "");
    }

    /** Only the exact marker line (trailing whitespace or \r allowed) opens cnifix's block. */
    private static boolean isBegin(String line) {
        String t = line.stripTrailing();
        return t.equals(MARK_BEGIN) || t.equals(BEGIN);
    }

    private static boolean isEnd(String line) {
        return line.stripTrailing().equals(END);
    }

    private static boolean isOwnedRuleLine(String t) {
        if (!t.startsWith("-A ") && !t.startsWith("-I ")) {
            return false;
        }
        List<String> w = words(t);
        for (int i = 0; i + 1 < w.size(); i++) {
            if (w.get(i).equals("--comment") && w.get(i + 1).startsWith(OwnedRule.PREFIX)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> words(String line) {
        try {
            return RuleTokens.words(line);
        } catch (InputException e) {
            return List.of();
        }
    }
}
