package io.cnifix.system;

/** The host cannot do what was asked: not root, a tool missing, a command that failed to run. Exit code 3. */
public final class EnvironmentException extends RuntimeException {
    public EnvironmentException(String message) {
        super(message);
    }

    public EnvironmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
