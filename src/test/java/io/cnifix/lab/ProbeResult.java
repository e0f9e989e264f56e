package io.cnifix.lab;

/** One probe as sent (with the source port actually used) and where it arrived. */
public record ProbeResult(Probe probe, Arrival arrival) {
}
