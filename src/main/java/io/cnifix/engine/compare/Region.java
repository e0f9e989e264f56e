package io.cnifix.engine.compare;

import io.cnifix.engine.Trace;

/**
 * A box of packets and the one outcome they all share; {@code reply} is the trace of the container's answer
 * (null when the first packet was not forwarded, or replies were not asked for).
 */
record Region(Box box, Trace trace, Trace reply) {
    Region(Box box, Trace trace) {
        this(box, trace, null);
    }
}
