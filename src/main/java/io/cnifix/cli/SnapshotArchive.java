package io.cnifix.cli;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;
import io.cnifix.system.EnvironmentException;
import io.cnifix.system.ProcessRunner;
import io.cnifix.system.StateFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A snapshot as one file (tar.gz, made and read with tar through the ProcessRunner): written by
 * {@code snapshot --tar}, read wherever {@code --snapshot} takes a directory. An archive comes from elsewhere (a
 * ticket), so it is unpacked into a fresh private directory, only regular files and directories are accepted, and
 * the texts are named after the archive ("host.tar.gz/iptables-save.txt"), not the temporary directory.
 */
final class SnapshotArchive {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private SnapshotArchive() {
    }

    static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("cnifix-snapshot-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new EnvironmentException("cannot make a temporary directory: " + e.getMessage(), e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is no reason to fail the command
        }
    }

    static void pack(ProcessRunner runner, Path dir, Path tar) {
        Path out = tar.toAbsolutePath();
        ProcessRunner.Result r = runner.run(List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                "-czf", out.toString(), "-C", dir.toAbsolutePath().toString(), "."), null, TIMEOUT);
        if (!r.ok()) {
            throw new EnvironmentException("cannot write " + tar + ": " + r.describe());
        }
        try {
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new EnvironmentException("cannot make " + tar + " private: " + e.getMessage(), e);
        }
    }

    /** Reads a snapshot directory, or a snapshot archive (any regular file). */
    static StateSources read(CliContext ctx, Path snapshot) {
        StateFiles files = new StateFiles(ctx.in());
        if (!Files.isRegularFile(snapshot)) {
            return files.snapshot(snapshot);
        }
        Path dir = temporaryDirectory();
        try {
            ProcessRunner.Result r = ctx.runner().run(List.of("tar", "--no-same-owner", "--no-same-permissions", "-xzf",
                    snapshot.toAbsolutePath().toString(), "-C", dir.toString()), null, TIMEOUT);
            if (!r.ok()) {
                throw new InputException(snapshot.toString(), 0, "not a snapshot directory or archive (tar: "
                        + r.stderr().strip() + ")");
            }
            checkPlain(snapshot, dir);
            Path root = dir.resolve(StateFiles.RULES_V4).toFile().exists() || dir.resolve(StateFiles.RULES_V6).toFile().exists()
                    ? dir : onlySubdirectory(dir);
            StateSources s = files.snapshot(root);
            String prefix = root.toString() + "/";
            return SourceTexts.map(s, (kind, t) -> t.name().startsWith(prefix)
                    ? new InputText(snapshot + "/" + t.name().substring(prefix.length()), t.content()) : t);
        } finally {
            delete(dir);
        }
    }

    /** Links in an archive could point anywhere on this host: refused. */
    private static void checkPlain(Path archive, Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new InputException(archive.toString(), 0, "holds " + dir.relativize(p) + ", which is not a plain file");
                }
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot read what " + archive + " held: " + e.getMessage(), e);
        }
    }

    private static Path onlySubdirectory(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            return all.size() == 1 && Files.isDirectory(all.get(0)) ? all.get(0) : dir;
        } catch (IOException e) {
            return dir;
        }
    }
}
