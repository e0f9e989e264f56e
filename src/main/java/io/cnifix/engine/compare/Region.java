package io.cnifix.engine.compare;

import io.cnifix.engine.Trace;

/** A box of packets and the one outcome they all share. */
record Region(Box box, Trace trace) {
}
