package io.cnifix.cli;

/** The exit codes every command shares; scripts rely on them. */
public final class ExitCodes {
    private ExitCodes() {
    }

    /** Nothing to fix; with --apply, fixed and verified; for trace, the trace ran. */
    public static final int OK = 0;
    /** A gap, a missing DNAT or an exposure was found; for suggest without --apply, rules to propose. */
    public static final int FOUND = 1;
    /** Bad input or usage. */
    public static final int BAD_INPUT = 2;
    /** Environment: not root where root is needed, a required tool missing. */
    public static final int ENVIRONMENT = 3;
    /** An apply failed and was rolled back. */
    public static final int ROLLED_BACK = 4;
    /** Some ports could not be judged (unknown) and nothing else was found to fix. */
    public static final int UNDECIDED = 5;
    /** An apply failed and its rollback failed too: the firewall may be changed. */
    public static final int ROLLBACK_FAILED = 6;

    /** A judgement's code: something to fix wins over "could not tell", which wins over "all fine". */
    public static int of(io.cnifix.engine.compare.DiffReport report) {
        if (report.needsFixing()) {
            return FOUND;
        }
        return report.count(io.cnifix.engine.compare.PortStatus.UNKNOWN) > 0 ? UNDECIDED : OK;
    }
}
