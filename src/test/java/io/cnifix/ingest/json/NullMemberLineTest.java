package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A null or missing port has no position of its own in the JSON: the error still names a line (the object's). */
class NullMemberLineTest {
    @Test
    void aNullHostPortInPodmanPsNamesTheLine() throws Exception {
        String ps = Files.readString(Path.of("fixtures/podman4-cni/ports/podman-ps.json"));
        int at = ps.indexOf("\"host_port\"");
        assertTrue(at > 0);
        int end = ps.indexOf(',', at);
        String bad = ps.substring(0, at) + "\"host_port\": null" + ps.substring(end);
        int line = (int) bad.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
        InputException e = assertThrows(InputException.class, () -> PortsReader.read(new InputText("ps.json", bad)));
        assertTrue(e.line() > 0 && e.line() <= line, e.oneLine());
        assertTrue(e.oneLine().startsWith("ps.json:" + e.line() + ": Ports[].host_port: expected a number"), e.oneLine());
    }

    @Test
    void aMissingContainerPortNamesTheLine() throws Exception {
        String ps = Files.readString(Path.of("fixtures/podman4-cni/ports/podman-ps.json"));
        String bad = ps.replaceFirst("\"container_port\"\\s*:\\s*\\d+\\s*,?", "");
        InputException e = assertThrows(InputException.class, () -> PortsReader.read(new InputText("ps.json", bad)));
        assertTrue(e.line() > 0, e.oneLine());
        assertEquals("ps.json:" + e.line() + ": Ports[].container_port: expected a number from 1 to 65535, found null", e.oneLine());
    }
}
