package io.cnifix.lab;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Emits probes with ordinary sockets; run on a {@link NetnsThread} so the sockets belong to its namespace. */
final class Sender {

    private Sender() {
    }

    /**
     * Starts one connection per probe, in order: a non-blocking TCP connect or a UDP datagram carrying the probe's
     * id from an unconnected socket (so that an answer from any address is seen, and can be checked). The caller
     * closes the sockets.
     */
    static List<SelectableChannel> connect(List<Probe> probes) throws IOException {
        List<SelectableChannel> out = new ArrayList<>();
        for (Closeable c : send(probes)) {
            SelectableChannel ch = (SelectableChannel) c;
            ch.configureBlocking(false);
            out.add(ch);
        }
        return out;
    }

    /**
     * Sends each probe's first packet and returns the sockets, which the caller closes once it has read where the
     * packets went. Closing a TCP socket still in SYN_SENT sends nothing, so no FIN or RST follows the probe.
     */
    static List<Closeable> send(List<Probe> probes) throws IOException {
        List<Closeable> open = new ArrayList<>();
        try {
            for (Probe p : probes) {
                InetAddress src = InetAddress.getByName(p.src());
                InetSocketAddress from = new InetSocketAddress(src, p.sport());
                InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(p.dst()), p.dport());
                StandardProtocolFamily family = src instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
                try {
                    if (p.proto().equals("tcp")) {
                        SocketChannel ch = SocketChannel.open(family);
                        open.add(ch);
                        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                        ch.bind(from);
                        ch.configureBlocking(false);
                        ch.connect(to); // the SYN leaves now; the handshake is never awaited
                    } else {
                        DatagramChannel ch = DatagramChannel.open(family);
                        open.add(ch);
                        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                        ch.bind(from);
                        ch.send(ByteBuffer.wrap(p.id().getBytes(StandardCharsets.UTF_8)), to);
                    }
                } catch (IOException e) {
                    throw new IOException("sending probe " + p.id() + " (" + p.proto() + " " + from + " -> " + to
                            + "): " + e.getMessage(), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Closeable c : open) {
                try {
                    c.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return open;
    }
}
