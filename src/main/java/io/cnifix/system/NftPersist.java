package io.cnifix.system;

import io.cnifix.model.HostState;
import io.cnifix.model.nft.NftChain;
import io.cnifix.model.nft.NftRule;
import io.cnifix.model.nft.NftTable;
import io.cnifix.remedy.NftRuleText;
import io.cnifix.remedy.OwnedRule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --persist} for rules cnifix put in an admin's own nftables chains. The admin's /etc/nftables.conf (Debian)
 * or /etc/sysconfig/nftables.conf (RHEL) is never edited: cnifix's rules go as {@code add rule} lines between its
 * markers in a file of its own (default /etc/nftables.d/cnifix.nft) that the admin includes once, after their
 * tables; every line outside the markers stays as it is.
 */
public final class NftPersist {
    public static final String BEGIN = "# BEGIN cnifix";
    public static final String END = "# END cnifix";
    private static final List<String> CONFIGS = List.of("/etc/sysconfig/nftables.conf", "/etc/nftables.conf");

    private final Path file;
    private final Path root;

    /** {@code root}: "/" on a host; a directory standing for it in tests. {@code file} is inside it. */
    public NftPersist(Path root, Path file) {
        this.root = root;
        this.file = file;
    }

    /** The {@code add rule} lines of every nft rule cnifix owns on {@code host}, in chain order. */
    public static List<String> lines(HostState host) {
        List<String> out = new ArrayList<>();
        for (NftTable t : host.nftTables()) {
            for (NftChain c : t.chains()) {
                for (NftRule r : c.rules()) {
                    if (r.comment() == null || !r.comment().startsWith(OwnedRule.PREFIX)) {
                        continue;
                    }
                    String text = NftRuleText.render(r.statements(), r.comment());
                    if (text != null) {
                        out.add("add rule " + t.label() + " " + c.name() + " " + text);
                    }
                }
            }
        }
        return out;
    }

    /** The host's nftables boot configuration that should include the file, or null when it has none. */
    public Path bootConfig() {
        for (String c : CONFIGS) {
            Path p = root.resolve(c.substring(1));
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    /** The line the admin adds at the end of their configuration, after the tables the rules go into. */
    public String includeLine() {
        Path shown = Path.of("/").resolve(root.relativize(file));
        return "include \"" + shown + "\"";
    }

    /** Whether the boot configuration already includes the file. */
    public boolean included() {
        Path conf = bootConfig();
        if (conf == null) {
            return false;
        }
        try {
            String want = includeLine();
            return Files.readAllLines(conf, StandardCharsets.UTF_8).stream().anyMatch(l -> l.strip().equals(want));
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes (or updates) the marked block; true when the file changed. */
    public boolean write(List<String> lines) {
        try {
            String old = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
            String now = merge(old, lines, includeLine());
            if (now.equals(old)) {
                return false;
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".cnifix-new");
            Files.writeString(tmp, now, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new EnvironmentException("--persist: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code old} with its marked block replaced by {@code lines} (appended when it has none; a new file when null). */
    static String merge(String old, List<String> lines, String include) {
        StringBuilder block = new StringBuilder(BEGIN).append('\n');
        lines.forEach(l -> block.append(l).append('\n'));
        block.append(END).append('\n');
        if (old == null) {
            return "# The nft rules cnifix owns (cnifix suggest --apply --persist rewrites the block; edits inside it are lost).\n"
                    + "# Load it after your own tables: add this line at the end of /etc/nftables.conf (Debian) or\n"
                    + "# /etc/sysconfig/nftables.conf (RHEL):\n#   " + include + "\n" + block;
        }
        int b = old.indexOf(BEGIN + "\n");
        int e = b < 0 ? -1 : old.indexOf(END + "\n", b);
        if (b < 0 || e < 0) {
            return old + (old.isEmpty() || old.endsWith("\n") ? "" : "\n") + block;
        }
        return old.substring(0, b) + block + old.substring(e + END.length() + 1);
    }
}
