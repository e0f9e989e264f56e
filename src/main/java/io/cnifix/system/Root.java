package io.cnifix.system;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** Whether this process runs as root, asked of the kernel through jnr-posix. */
public final class Root {
    private Root() {
    }

    public static boolean isRoot() {
        POSIX posix = POSIXFactory.getPOSIX();
        return posix.geteuid() == 0;
    }

    public static void require(String what) {
        if (!isRoot()) {
            throw new EnvironmentException(what + " needs root: run it with sudo (it changes the host's firewall)");
        }
    }
}
