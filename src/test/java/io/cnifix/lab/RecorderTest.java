package io.cnifix.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The lab's pure parts: no namespace needed. */
class RecorderTest {

    @Test
    void canonicalAddressesFollowRfc5952() {
        assertEquals("2001:db8::1", Recorder.canonical("2001:0DB8:0:0:0:0:0:1"));
        assertEquals("fd00:88::11", Recorder.canonical("fd00:88::11"));
        assertEquals("1:0:1::1:0:0", Recorder.canonical("1:0:1:0:0:1:0:0"));
        assertEquals("0:0:1::1:0", Recorder.canonical("0:0:1:0:0:0:1:0"));
        assertEquals("1:0:1:1:1:1:1:1", Recorder.canonical("1:0:1:1:1:1:1:1"));
        assertEquals("::", Recorder.canonical("0:0:0:0:0:0:0:0"));
        assertEquals("::1", Recorder.canonical("::1"));
        assertEquals("1::", Recorder.canonical("1:0:0:0:0:0:0:0"));
        assertEquals("10.88.0.11", Recorder.canonical("10.88.0.11"));
        assertThrows(IllegalArgumentException.class, () -> Recorder.canonical("example.org"));
    }

    @Test
    void keysDecodeWithFourByteAlignedFields() {
        byte[] v4 = {6, 0, 0, 0, (byte) 203, 0, 113, 7, (byte) 0x9c, 0x40, 0, 0, 10, 88, 0, 11, 0, 80, 0, 0};
        assertEquals(new Recorder.Seen("cni0", "tcp", "203.0.113.7", 40000, "10.88.0.11", 80),
                Recorder.seen("cni0", v4));
        byte[] v6 = new byte[44];
        v6[0] = 17;
        v6[4] = 0x20;
        v6[5] = 0x01;
        v6[19] = 7;
        v6[21] = 53;
        v6[24] = (byte) 0xfd;
        v6[39] = 0x11;
        v6[40] = (byte) 0xff;
        v6[41] = (byte) 0xff;
        assertEquals(new Recorder.Seen("", "udp", "2001::7", 53, "fd00::11", 65535), Recorder.seen("", v6));
        assertEquals(new Recorder.PortMap("tcp", 41000, 30001),
                Recorder.portMap(new byte[] {6, 0, 0, 0, (byte) 0xa0, 0x28, 0, 0, 0x75, 0x31, 0, 0}));
    }

    @Test
    void recorderRulesOnlyRecordInTheHost() {
        String host = Recorder.hostTable();
        assertTrue(host.contains("hook input priority 500"));
        String verdicts = "(?s).*\\b(accept|drop|reject|queue|jump|goto|return)\\b.*";
        assertFalse(host.replace("policy accept;", "").matches(verdicts), host);
        assertTrue(Recorder.sinkTable(List.of("b0"), true).matches(verdicts));
    }
}
