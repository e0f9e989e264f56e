package io.cnifix.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * When a published port first answers, to within one attempt interval: a new TCP connection every INTERVAL_MS (a
 * dropped SYN is given up after that long and a fresh one sent, instead of waiting for the kernel's retransmit or a
 * client's connect timeout), and the first that connects must then answer HTTP 200. bench.sh's podman section runs
 * it in the client namespace before {@code podman run}, so no process start-up sits in what it measures.
 * <p>
 * Usage: PortProbe HOST PORT INTERVAL_MS GIVE_UP_SECONDS READY_FILE. Writes "ready" to READY_FILE once it probes,
 * then prints the wall-clock time (nanoseconds since the epoch) at which the answering connection was opened and
 * exits 0; exits 1 (printing nothing) when nothing answered in time.
 */
public final class PortProbe {
    private PortProbe() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress to = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long interval = Long.parseLong(args[2]) * 1_000_000L;
        long giveUp = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        Files.writeString(Path.of(args[4]), "ready\n");
        PrintStream out = System.out;
        try (Selector sel = Selector.open()) {
            while (System.nanoTime() < giveUp) {
                long start = System.nanoTime();
                Instant opened = Instant.now();
                if (attempt(sel, to, start + interval)) {
                    out.println(opened.getEpochSecond() * 1_000_000_000L + opened.getNano());
                    return;
                }
                long rest = start + interval - System.nanoTime();
                if (rest > 0) {
                    Thread.sleep(rest / 1_000_000L, (int) (rest % 1_000_000L));
                }
            }
        }
        System.exit(1);
    }

    /** One connection: true when it connected by {@code deadline} and the server answered 200. */
    private static boolean attempt(Selector sel, InetSocketAddress to, long deadline) {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            if (!ch.connect(to)) {
                SelectionKey key = ch.register(sel, SelectionKey.OP_CONNECT);
                long wait = (deadline - System.nanoTime()) / 1_000_000L;
                int ready = wait > 0 ? sel.select(wait) : sel.selectNow();
                sel.selectedKeys().clear();
                key.cancel();
                sel.selectNow(); // deregisters the cancelled key before the channel closes
                if (ready == 0 || !ch.finishConnect()) {
                    return false; // no answer yet: this SYN is given up, the next attempt sends a new one
                }
            }
            ch.configureBlocking(true);
            ch.socket().setSoTimeout(2000);
            ch.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            byte[] head = new byte[12];
            int n = ch.socket().getInputStream().read(head);
            return n >= 12 && new String(head, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.") && head[9] == '2'
                    && head[10] == '0' && head[11] == '0';
        } catch (IOException e) {
            return false; // refused (nothing listens yet) or reset
        }
    }
}
