package io.cnifix.engine;

/** The fate of a packet; UNKNOWN when it hangs on a rule the simulator does not understand. */
public enum Verdict {
    ACCEPT, DROP, REJECT, UNKNOWN
}
