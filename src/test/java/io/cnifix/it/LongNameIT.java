package io.cnifix.it;

import io.cnifix.Fixtures;
import io.cnifix.lab.KernelLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container name of emoji longer than iptables' 255-byte comment: the comment is cut between characters, so the
 * kernel stores exactly what cnifix wrote, the read-back matches and the apply verifies (it used to exit 4 every time).
 */
@Tag("netns")
class LongNameIT {
    private static final Path FIXTURE = Fixtures.ROOT.resolve("centos7-podman-cni");

    @TempDir
    Path tmp;

    @Test
    void aLongEmojiNameAppliesVerifiesAndIsRecognisedAfterwards() throws Exception {
        String name = "\uD83D\uDE00".repeat(50) + "x" + "\uD83D\uDC33".repeat(50);
        Path ports = tmp.resolve("ports");
        Files.createDirectories(ports);
        try (Stream<Path> s = Files.walk(FIXTURE.resolve("ports"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.writeString(ports.resolve(p.getFileName().toString()), Files.readString(p).replace("\"web\"", "\"" + name + "\""));
            }
        }
        try (KernelLab lab = ApplyIT.labWith("centos7-podman-cni")) {
            CnifixProcess.Result r = run(lab, ports, "suggest", "--apply");
            assertEquals(0, r.code(), r.toString());
            String line = ApplyIT.rules(lab).lines().filter(l -> l.contains("cnifix: ")).findFirst().orElseThrow();
            String comment = line.substring(line.indexOf("--comment \"") + 11, line.indexOf('"', line.indexOf("--comment \"") + 11));
            assertTrue(comment.startsWith("cnifix: \uD83D\uDE00") && comment.endsWith(" tcp/8080"), comment);
            assertTrue(comment.getBytes(StandardCharsets.UTF_8).length <= 255, comment);
            assertTrue(comment.codePoints().allMatch(c -> c < 0xD800 || c > 0xDFFF) && !comment.contains("?"), "no broken character: " + comment);
            CnifixProcess.Result again = run(lab, ports, "suggest", "--apply");
            assertEquals(0, again.code(), "its own rule is read back: nothing more to do: " + again);
            assertEquals(1, ApplyIT.rules(lab).lines().filter(l -> l.contains("cnifix: ")).count());
            CnifixProcess.Result prune = run(lab, ports, "prune");
            assertEquals(0, prune.code(), "still needed: " + prune);
        }
    }

    private CnifixProcess.Result run(KernelLab lab, Path ports, String... cmd) throws Exception {
        List<String> a = new ArrayList<>(List.of(cmd));
        a.addAll(CnifixProcess.stateArgs(FIXTURE, ports));
        a.addAll(List.of("--backup-dir", tmp.resolve("backups").toString(), "--lock-file", tmp.resolve("lock").toString()));
        return CnifixProcess.run(lab.hostNetns(), Map.of(), a.toArray(String[]::new));
    }
}
