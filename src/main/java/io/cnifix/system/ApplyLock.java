package io.cnifix.system;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * cnifix's own lock around read-decide-apply, so two runs at once never add a rule twice. iptables' xtables lock
 * only covers one restore, not the read before it.
 */
public final class ApplyLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ApplyLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static ApplyLock acquire(Path file, Duration wait) {
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return new ApplyLock(ch, l);
                }
                if (System.nanoTime() > deadline) {
                    ch.close();
                    throw new EnvironmentException("another cnifix holds " + file + " (waited " + wait.toSeconds() + " s; raise --wait)");
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while waiting for " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // Closing the channel releases the lock in every case.
        }
    }
}
