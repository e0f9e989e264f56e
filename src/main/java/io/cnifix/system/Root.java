package io.cnifix.system;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * Whether this process runs as root, asked of the kernel: the effective uid in /proc/self/status, or through
 * jnr-posix where /proc cannot tell (loading jnr's native stubs costs about half a second, which the OCI hook
 * pays on every container start and stop).
 */
public final class Root {
    private Root() {
    }

    public static boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).strip().split("\\s+");
                    if (ids.length > 1) {
                        return ids[1].equals("0");
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc: ask through jnr-posix
        }
        POSIX posix = POSIXFactory.getPOSIX();
        return posix.geteuid() == 0;
    }

    public static void require(String what) {
        if (!isRoot()) {
            throw new EnvironmentException(what + " needs root: run it with sudo (it changes the host's firewall)");
        }
    }
}
