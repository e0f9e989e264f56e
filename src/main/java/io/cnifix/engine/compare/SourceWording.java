package io.cnifix.engine.compare;

import io.cnifix.model.Family;
import io.cnifix.model.HostState;
import io.cnifix.model.IpAddress;

/**
 * The words the judgement uses for a person: who a group of sources is, and notes about what was assumed. Kept
 * apart from the comparison itself so that the wording can change without touching how ports are judged.
 */
public final class SourceWording {
    private SourceWording() {
    }

    /**
     * The note for a family judged with a stand-in destination, or null when there is nothing to say: with the
     * host's addresses known (ip -j address read) and none of this family outside link-local, packets of this
     * family cannot reach the host from outside by address anyway, and the stand-in is only a formality.
     */
    public static String standInNote(HostState host, Family family, IpAddress standIn) {
        if (!host.addresses().isEmpty()) {
            return null;
        }
        return "the host's own addresses are not known (no ip -j address): judged packets sent to a stand-in address "
                + standIn + " on eth0";
    }
}
