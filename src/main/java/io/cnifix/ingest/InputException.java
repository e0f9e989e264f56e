package io.cnifix.ingest;

/** Bad input: carries the file and (for line-oriented input) the line, so the message can point at it. */
public final class InputException extends RuntimeException {
    private final String file;
    private final int line;

    public InputException(String file, int line, String message) {
        super(message);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** One line: {@code file:line: message} (no line part when the input has no lines, e.g. JSON structure). */
    public String oneLine() {
        return (line > 0 ? file + ":" + line : file) + ": " + getMessage();
    }
}
