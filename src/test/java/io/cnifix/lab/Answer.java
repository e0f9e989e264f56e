package io.cnifix.lab;

/**
 * Whether a probe's connection was answered end to end: for TCP the container's SYN-ACK reached the client (its
 * connect completed), for UDP the container's echo came back from the very address and port the client sent to.
 * {@code probe} carries the source port actually used.
 */
public record Answer(Probe probe, boolean answered) {
}
