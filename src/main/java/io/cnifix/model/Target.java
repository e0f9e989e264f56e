package io.cnifix.model;

import java.util.List;

/** What a matching rule does. Closed: everything the simulator cannot act on is {@link Unknown}. */
public sealed interface Target {

    void render(StringBuilder out);

    private static void raw(StringBuilder out, List<String> args) {
        for (String a : args) {
            out.append(' ').append(a);
        }
    }

    record Accept() implements Target {
        // equals and hashCode explicit here and in Jump: see IpAddress
        @Override
        public boolean equals(Object o) {
            return o instanceof Accept;
        }

        @Override
        public int hashCode() {
            return 1;
        }

        public void render(StringBuilder out) {
            out.append(" -j ACCEPT");
        }
    }

    record Drop() implements Target {
        public void render(StringBuilder out) {
            out.append(" -j DROP");
        }
    }

    record Return() implements Target {
        public void render(StringBuilder out) {
            out.append(" -j RETURN");
        }
    }

    /** {@code -j REJECT [--reject-with TYPE]}; {@code with} null when not written. */
    record Reject(String with) implements Target {
        public void render(StringBuilder out) {
            out.append(" -j REJECT");
            if (with != null) {
                out.append(" --reject-with ").append(with);
            }
        }
    }

    /** {@code -j CHAIN}: call, come back. */
    record Jump(String chain) implements Target {
        @Override
        public boolean equals(Object o) {
            return o instanceof Jump j && j.chain.equals(chain);
        }

        @Override
        public int hashCode() {
            return chain.hashCode();
        }

        public void render(StringBuilder out) {
            out.append(" -j ").append(chain);
        }
    }

    /** {@code -g CHAIN}: a RETURN there returns to the caller of this chain. */
    record Goto(String chain) implements Target {
        public void render(StringBuilder out) {
            out.append(" -g ").append(chain);
        }
    }

    /**
     * {@code -j DNAT --to-destination} or {@code -j SNAT --to-source}: an address range and an optional port
     * range; {@code basePort} is the netavark-style {@code /base} offset form. Extra flags such as --random kept.
     */
    record Nat(boolean destination, IpAddress firstAddress, IpAddress lastAddress, PortRange ports, Integer basePort,
               String spec, List<String> flags) implements Target {
        public Nat {
            flags = List.copyOf(flags);
        }

        public void render(StringBuilder out) {
            out.append(destination ? " -j DNAT" : " -j SNAT");
            if (spec != null) {
                out.append(destination ? " --to-destination " : " --to-source ").append(spec);
            }
            raw(out, flags);
        }
    }

    /** {@code -j MASQUERADE} with its options as written. */
    record Masquerade(List<String> args) implements Target {
        public Masquerade {
            args = List.copyOf(args);
        }

        public void render(StringBuilder out) {
            out.append(" -j MASQUERADE");
            raw(out, args);
        }
    }

    /** {@code -j MARK}, normalised to iptables-save's {@code --set-xmark value/mask}: mark = (mark & ~mask) ^ value. */
    record SetMark(long value, long mask) implements Target {
        public long apply(long mark) {
            return ((mark & ~mask) ^ value) & 0xffffffffL;
        }

        public void render(StringBuilder out) {
            out.append(" -j MARK --set-xmark 0x").append(Long.toHexString(value)).append("/0x").append(Long.toHexString(mask));
        }
    }

    /**
     * {@code -j CONNMARK}. Kinds: SET (ctmark = (ctmark & ~mask) ^ value), SAVE (ctmark from packet mark),
     * RESTORE (packet mark from ctmark); nfmask/ctmask as iptables-save writes them.
     */
    record ConnMark(Kind kind, long value, long mask, long nfMask, long ctMask, List<String> args) implements Target {
        public enum Kind { SET, SAVE, RESTORE }

        public ConnMark {
            args = List.copyOf(args);
        }

        public void render(StringBuilder out) {
            out.append(" -j CONNMARK");
            raw(out, args);
        }
    }

    /** {@code -j CT --notrack} or {@code -j NOTRACK}: the packet becomes UNTRACKED and skips nat. */
    record NoTrack(String name, List<String> args) implements Target {
        public NoTrack {
            args = List.copyOf(args);
        }

        public void render(StringBuilder out) {
            out.append(" -j ").append(name);
            raw(out, args);
        }
    }

    /** A target that never decides the packet's fate (LOG, CHECKSUM, CT with a zone or helper, ...). */
    record Continue(String name, List<String> args) implements Target {
        public Continue {
            args = List.copyOf(args);
        }

        public void render(StringBuilder out) {
            out.append(" -j ").append(name);
            raw(out, args);
        }
    }

    /** A rule with no {@code -j}: it only counts. */
    record None() implements Target {
        public void render(StringBuilder out) {
        }
    }

    /** A target cnifix does not model, kept verbatim; a packet that reaches it has an UNKNOWN fate. */
    record Unknown(String name, List<String> args) implements Target {
        public Unknown {
            args = List.copyOf(args);
        }

        public void render(StringBuilder out) {
            out.append(" -j ").append(name);
            raw(out, args);
        }
    }
}
