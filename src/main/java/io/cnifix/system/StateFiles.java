package io.cnifix.system;

import io.cnifix.ingest.BoundedRead;
import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads state files from disk: a snapshot directory, or single files named on the command line ("-" is
 * standard input). The snapshot layout is documented in the README.
 */
public final class StateFiles {
    public static final String RULES_V4 = "iptables-save.txt";
    public static final String RULES_V6 = "ip6tables-save.txt";
    /** {@code ipset save} output, read with the rules (their -m set matches test these sets). */
    public static final String IPSETS = "ipset.save";
    /** The IPv4 rp_filter sysctl (all, default, every interface), as sysctl prints it; read with the rules. */
    public static final String RP_FILTER = "sysctl-rp_filter.txt";
    public static final String ADDRESSES = "ip-address.json";
    public static final String ROUTES_V4 = "ip-route.json";
    public static final String ROUTES_V6 = "ip6-route.json";
    public static final String PORTS_DIR = "ports";
    public static final String NETWORKS_DIR = "networks";
    public static final String NFT = "nft-ruleset.json";
    /** cnifix's own policy file, in a snapshot as on the host ({@code /etc/cnifix/policy.conf}). */
    public static final String POLICY = "policy.conf";
    public static final String MANIFEST = "manifest.json";
    /** The other iptables back end's dumps (both run on the same hooks), named as the tool that wrote them. */
    public static final List<String> OTHER_BACK_END = List.of("iptables-legacy-save.txt", "ip6tables-legacy-save.txt",
            "iptables-nft-save.txt", "ip6tables-nft-save.txt");

    private final InputStream stdin;
    private boolean stdinUsed;

    public StateFiles(InputStream stdin) {
        this.stdin = stdin;
    }

    public StateSources snapshot(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException(dir.toString(), 0, "not a snapshot directory (expected a directory holding "
                    + RULES_V4 + ", " + PORTS_DIR + "/, ...)");
        }
        List<InputText> rules = new ArrayList<>();
        optional(dir.resolve(RULES_V4), rules);
        optional(dir.resolve(RULES_V6), rules);
        if (rules.isEmpty()) {
            throw new InputException(dir.toString(), 0, "snapshot has neither " + RULES_V4 + " nor " + RULES_V6);
        }
        optional(dir.resolve(IPSETS), rules);
        optional(dir.resolve(RP_FILTER), rules);
        List<InputText> addresses = new ArrayList<>();
        optional(dir.resolve(ADDRESSES), addresses);
        List<InputText> routes = new ArrayList<>();
        optional(dir.resolve(ROUTES_V4), routes);
        optional(dir.resolve(ROUTES_V6), routes);
        List<InputText> nft = new ArrayList<>();
        optional(dir.resolve(NFT), nft);
        List<InputText> policy = new ArrayList<>();
        optional(dir.resolve(POLICY), policy);
        List<InputText> other = new ArrayList<>();
        for (String f : OTHER_BACK_END) {
            optional(dir.resolve(f), other);
        }
        return new StateSources(rules, tree(dir.resolve(PORTS_DIR)), tree(dir.resolve(NETWORKS_DIR)), addresses,
                routes, List.of(), nft, other, policy);
    }

    public InputText read(String name) {
        if (name.equals("-")) {
            if (stdinUsed) {
                throw new InputException("-", 0, "standard input can be given only once");
            }
            stdinUsed = true;
            try {
                return BoundedRead.stream("-", stdin);
            } catch (IOException e) {
                throw new InputException("-", 0, "cannot read standard input: " + e.getMessage());
            }
        }
        Path p = Path.of(name);
        if (Files.isDirectory(p)) {
            throw new InputException(name, 0, "is a directory, expected a file (use --snapshot for a snapshot directory)");
        }
        try {
            return BoundedRead.file(p);
        } catch (IOException e) {
            throw new InputException(name, 0, "cannot read: " + describe(e));
        }
    }

    public List<InputText> readAll(List<String> names) {
        List<InputText> out = new ArrayList<>();
        for (String n : names) {
            Path p = Path.of(n);
            if (!n.equals("-") && Files.isDirectory(p)) {
                out.addAll(tree(p));
            } else {
                out.add(read(n));
            }
        }
        return out;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    private void optional(Path p, List<InputText> into) {
        if (Files.isRegularFile(p)) {
            into.add(read(p.toString()));
        }
    }

    /** Every regular file below {@code dir} in name order; none when it does not exist. */
    private List<InputText> tree(Path dir) {
        List<InputText> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files = new ArrayList<>();
        try {
            regularFiles(dir, files);
        } catch (IOException e) {
            throw new InputException(dir.toString(), 0, "cannot list: " + describe(e));
        }
        java.util.Collections.sort(files);
        for (Path p : files) {
            if (!p.getFileName().toString().equals("README.md")) {
                out.add(read(p.toString()));
            }
        }
        return out;
    }

    /** As Files.walk would find them (directories not followed through links), without a stream pipeline to link. */
    private static void regularFiles(Path dir, List<Path> into) throws IOException {
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    regularFiles(p, into);
                } else if (Files.isRegularFile(p)) {
                    into.add(p);
                }
            }
        }
    }
}
