package io.cnifix.cli;

/** Bad usage that picocli's own checks cannot see (e.g. option combinations). Exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
