package io.cnifix.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One thread that lives in a named network namespace. A thread's network namespace is its own (setns(2) with
 * CLONE_NEWNET works per thread), and sockets belong to the namespace of the thread that creates them, so
 * sockets opened here send from inside the namespace without starting any process.
 */
final class NetnsThread implements AutoCloseable {

    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private final String netns;
    private final ExecutorService exec;

    private NetnsThread(String netns) {
        this.netns = netns;
        this.exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cfxlab-" + netns);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the thread and moves it into {@code /run/netns/<netns>}. */
    static NetnsThread enter(String netns) throws IOException, InterruptedException {
        NetnsThread t = new NetnsThread(netns);
        try {
            t.call(() -> {
                int fd = Netlink.libc().open("/run/netns/" + netns, O_RDONLY_CLOEXEC);
                if (fd < 0) {
                    throw new IOException("open /run/netns/" + netns + ": errno " + Netlink.errno());
                }
                try {
                    if (Netlink.libc().setns(fd, CLONE_NEWNET) != 0) {
                        throw new IOException("setns into " + netns + ": errno " + Netlink.errno());
                    }
                } finally {
                    Netlink.libc().close(fd);
                }
                // Everything done on this thread relies on it, so check: the thread's namespace is the named one.
                Object want = Files.getAttribute(Path.of("/run/netns", netns), "unix:ino");
                String have = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
                if (!have.equals("net:[" + want + "]")) {
                    throw new IOException("thread is in " + have + ", not in " + netns + " (inode " + want + ")");
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    <T> T call(Callable<T> task) throws IOException, InterruptedException {
        try {
            return exec.submit(task).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("in netns " + netns, c);
        }
    }

    /** Deletes every conntrack entry of the namespace, what {@code conntrack -F} does. */
    void flushConntrack() throws IOException, InterruptedException {
        call(() -> {
            Netlink.flushConntrack();
            return null;
        });
    }

    List<byte[]> setKeys(String table, String set) throws IOException, InterruptedException {
        return call(() -> Netlink.setKeys(table, set));
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
