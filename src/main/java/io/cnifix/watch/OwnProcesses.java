package io.cnifix.watch;

import io.cnifix.system.ProcessRunner;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The process runner of {@code cnifix watch}: remembers the pids of the last programs it ran, so that the ruleset
 * changes nft monitor reports for cnifix's own iptables-restore are not taken for someone else's flush (which would
 * start another pass after every apply).
 */
public class OwnProcesses extends ProcessRunner {
    private static final int KEEP = 256;
    private final Set<Long> pids = new LinkedHashSet<>();

    @Override
    protected void started(Process p) {
        synchronized (pids) {
            pids.add(p.pid());
            if (pids.size() > KEEP) {
                pids.remove(pids.iterator().next());
            }
        }
    }

    public boolean ours(long pid) {
        synchronized (pids) {
            return pid > 0 && pids.contains(pid);
        }
    }
}
