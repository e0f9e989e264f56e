package io.cnifix.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IpAddressTest {
    @ParameterizedTest
    @CsvSource({"::,::", "::1,::1", "fd00::2,fd00::2", "2001:DB8:0:0:0:0:0:1,2001:db8::1", "fe80::1%eth0,fe80::1",
            "::ffff:10.1.2.3,::ffff:a01:203", "1:2:3:4:5:6:7:8,1:2:3:4:5:6:7:8", "[fd00::5],fd00::5", "10.88.0.11,10.88.0.11"})
    void parsesAndPrintsCanonically(String in, String out) {
        assertEquals(out, IpAddress.parse(in).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {".1:2", "%:", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1.2.3", "1.2.3.4.5",
            "256.1.1.1", "1..2.3", "localhost", ""})
    void rejectsWithoutAskingAResolver(String in) {
        assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(in));
    }

    @ParameterizedTest
    @CsvSource({"10.88.0.0/16,10.88.255.255,true", "10.88.0.0/16,10.89.0.0,false", "fd00::/64,fd00::ffff,true",
            "0.0.0.0/0,1.2.3.4,true", "::/0,::1,true"})
    void cidrContains(String cidr, String ip, boolean expected) {
        assertEquals(expected, Cidr.parse(cidr).contains(IpAddress.parse(ip)));
    }
}
