package io.cnifix.system;

import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.Ruleset;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --persist}: after an apply, the rules cnifix owns are also written into the files the host's firewall
 * loads at boot (iptables-services: /etc/sysconfig/iptables and ip6tables), between cnifix's own markers; every
 * other line of those files stays as it is.
 */
public final class PersistOptions {
    @Option(names = "--persist", description = "With --apply: also write the rules cnifix owns into the file the firewall loads at boot"
            + " (iptables-services), between cnifix's markers; the admin's lines stay as they are. See README: Run it everywhere.")
    public boolean persist;

    @Option(names = "--persist-file", paramLabel = "FILE", description = "The IPv4 rules file for --persist (default ${DEFAULT-VALUE}).")
    public Path file = Path.of("/etc/sysconfig/iptables");

    @Option(names = "--persist-file6", paramLabel = "FILE", description = "The IPv6 rules file for --persist, used when it exists (default ${DEFAULT-VALUE}).")
    public Path file6 = Path.of("/etc/sysconfig/ip6tables");

    /** What the admin must do by hand after a write (the include line for the nft file), for the caller to print. */
    public final List<String> notices = new ArrayList<>();

    @Option(names = "--persist-nft-file", paramLabel = "FILE", description = "For rules in the admin's own nftables chains: the file"
            + " --persist writes them to, between cnifix's markers, for the admin to include from their nftables.conf (default"
            + " /etc/nftables.d/cnifix.nft). Given, the iptables rules file is needed only when it exists.")
    public Path nftFileOption;

    private Path nftFile() {
        return nftFileOption != null ? nftFileOption : Path.of("/etc/nftables.d/cnifix.nft");
    }

    /** "/" on a host; tests point it at a directory standing for it. */
    Path root = Path.of("/");

    /** What --persist names as written where firewalld runs: the apply made every direct rule permanent too. */
    public static final String FIREWALLD_PERMANENT = "firewalld's permanent direct rules (/etc/firewalld/direct.xml)";

    /**
     * Before anything changes: the IPv4 file must exist, be a rules file with a filter table, and be writable. Checked
     * in {@link #precheck} (which knows the host): where firewalld runs, its permanent configuration is the persistence.
     */
    public void check() {
    }

    private void checkFiles() {
        if (nftFileOption != null && !Files.exists(file)) {
            return; // an nftables-only host: the iptables rules file is needed only when it exists
        }
        PersistFile.check(file);
        if (Files.exists(file6)) {
            PersistFile.check(file6);
        }
    }

    /**
     * Before anything changes live: builds each file's new content from the rules cnifix owns in {@code planned}
     * and runs restore --test on it; throws (exit 3, naming the file) when it would not load.
     */
    public void precheck(HostState planned, ProcessRunner runner) {
        if (io.cnifix.remedy.FirewalldDrafts.runs(planned)) {
            return; // firewalld: cnifix's rules are its direct rules, kept in its permanent configuration
        }
        checkFiles();
        for (Ruleset rs : planned.rulesets()) {
            Path target = rs.family() == Family.V4 ? file : file6;
            if (Files.exists(target)) {
                new PersistFile(target, rs.family(), runner).test(PersistFile.owned(rs));
            }
        }
    }

    /** Writes each family's owned rules into its file; returns the files that changed. */
    public List<String> write(HostState live, ProcessRunner runner) {
        List<String> changed = new ArrayList<>();
        List<String> nft = NftPersist.lines(live);
        Path nftFile = nftFile();
        NftPersist np = new NftPersist(root, nftFile);
        if (!nft.isEmpty() || Files.exists(nftFile)) {
            if (np.write(nft)) {
                changed.add(nftFile.toString());
            }
            if (!np.included()) {
                // Never edited silently: the admin adds the include to their own configuration.
                notices.add("the nft rules cnifix owns are in " + nftFile + "; for them to come back at boot, add this line at the end of "
                        + (np.bootConfig() == null ? "/etc/nftables.conf (Debian) or /etc/sysconfig/nftables.conf (RHEL)" : np.bootConfig())
                        + ": " + np.includeLine());
            }
        }
        if (io.cnifix.remedy.FirewalldDrafts.runs(live)) {
            // iptables-services does not load its file next to firewalld; the apply wrote every rule permanent already
            changed.add(FIREWALLD_PERMANENT);
            return changed;
        }
        for (Ruleset rs : live.rulesets()) {
            Path target = rs.family() == Family.V4 ? file : file6;
            List<io.cnifix.model.Rule> owned = PersistFile.owned(rs);
            if (rs.family() == Family.V4 && !Files.exists(target) && owned.isEmpty()) {
                continue;
            }
            if (rs.family() == Family.V6 && !Files.exists(target)) {
                if (!owned.isEmpty()) {
                    throw new EnvironmentException("--persist: " + target + " does not exist, so the " + owned.size()
                            + " IPv6 rule(s) cnifix owns are not persisted (create it with ip6tables-save, or give --persist-file6)");
                }
                continue;
            }
            if (new PersistFile(target, rs.family(), runner).write(owned)) {
                changed.add(target.toString());
            }
        }
        return changed;
    }
}
