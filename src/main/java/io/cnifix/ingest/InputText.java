package io.cnifix.ingest;

/** The text of one input, with the name errors should use for it (a path, or "-" for standard input). */
public record InputText(String name, String content) {
}
