package io.cnifix.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The netfilter netlink requests the lab makes without starting a process (conntrack flush; nf_tables table list
 * and delete, set dump and flush): a process per read would cost ~10 ms, these cost well under one. Netlink sockets
 * belong to the namespace of the creating thread, so these must run on a {@link NetnsThread} of the namespace meant.
 */
final class Netlink {

    /** The few libc calls Java has no API for. */
    public interface LibC {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);

        int socket(int domain, int type, int protocol);

        int setsockopt(int fd, int level, int option, @In byte[] value, int length);

        long write(int fd, @In byte[] buf, long count);

        long read(int fd, @Out byte[] buf, long count);
    }

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int NETLINK_NETFILTER = 12;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    private static final int IPCTNL_MSG_CT_DELETE = 2;
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int NFT_MSG_NEWTABLE = 0;
    private static final int NFT_MSG_GETTABLE = 1;
    private static final int NFT_MSG_DELTABLE = 2;
    private static final int NFT_MSG_NEWSETELEM = 12;
    private static final int NFT_MSG_GETSETELEM = 13;
    private static final int NFT_MSG_DELSETELEM = 14;
    private static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    private static final int NFNL_MSG_BATCH_END = 0x11;
    private static final int NFPROTO_INET = 1;

    private static LibC libc;

    private Netlink() {
    }

    static synchronized LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).load("c");
        }
        return libc;
    }

    static int errno() {
        return jnr.ffi.Runtime.getRuntime(libc()).getLastError();
    }

    /** {@code conntrack -F}: a ctnetlink delete without a tuple flushes, AF_UNSPEC meaning every family. */
    static void flushConntrack() throws IOException {
        byte[] req = message(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, 0,
                new byte[0]);
        exchange(req, 1, ACK_ONLY);
    }

    /**
     * {@code nft flush set} for each set: a delete of no element in particular. nf_tables only takes changes
     * inside a batch, which commits as one transaction.
     */
    static void flushSets(String table, List<String> sets) throws IOException {
        ByteBuffer req = ByteBuffer.allocate(40 + 300 * sets.size()).order(ByteOrder.nativeOrder());
        req.put(batchMarker(NFNL_MSG_BATCH_BEGIN));
        for (String set : sets) {
            req.put(message(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELSETELEM, NLM_F_REQUEST | NLM_F_ACK, NFPROTO_INET,
                    strings(table, set))); // NFTA_SET_ELEM_LIST_TABLE, NFTA_SET_ELEM_LIST_SET
        }
        req.put(batchMarker(NFNL_MSG_BATCH_END));
        exchange(Arrays.copyOf(req.array(), req.position()), sets.size(), ACK_ONLY);
    }

    /** An nf_tables table: {@code family} is the NFPROTO number (1 inet, 2 ip, 10 ip6...). */
    record Table(int family, String name) {
    }

    /** Every nf_tables table of the namespace, of all families (iptables-nft keeps its tables there too). */
    static List<Table> tables() throws IOException {
        byte[] req = message(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, 0,
                new byte[0]);
        List<Table> tables = new ArrayList<>();
        exchange(req, 0, msg -> {
            if ((msg.getShort(4) & 0xffff) != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWTABLE)) {
                throw new IOException("unexpected netlink message type " + msg.getShort(4));
            }
            for (ByteBuffer name : attrs(msg, 20, msg.getInt(0), 1)) { // NFTA_TABLE_NAME
                byte[] s = new byte[name.limit() - 4];
                name.get(4, s);
                String n = new String(s, StandardCharsets.US_ASCII).replace("\0", "");
                tables.add(new Table(msg.get(16) & 0xff, n)); // the family is nfgenmsg's
            }
        });
        return tables;
    }

    /** Deletes the tables with everything in them, in one transaction. */
    static void deleteTables(List<Table> tables) throws IOException {
        if (tables.isEmpty()) {
            return;
        }
        ByteBuffer req = ByteBuffer.allocate(40 + 300 * tables.size()).order(ByteOrder.nativeOrder());
        req.put(batchMarker(NFNL_MSG_BATCH_BEGIN));
        for (Table t : tables) {
            req.put(message(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELTABLE, NLM_F_REQUEST | NLM_F_ACK, t.family(),
                    strings(t.name()))); // NFTA_TABLE_NAME
        }
        req.put(batchMarker(NFNL_MSG_BATCH_END));
        exchange(Arrays.copyOf(req.array(), req.position()), tables.size(), ACK_ONLY);
    }

    /** Batch begin/end carry the subsystem they are for in res_id, in network byte order. */
    private static byte[] batchMarker(int type) {
        byte[] m = message(type, NLM_F_REQUEST, 0, new byte[0]);
        m[18] = 0;
        m[19] = NFNL_SUBSYS_NFTABLES;
        return m;
    }

    /** NUL-terminated string attributes of types 1, 2, ... in order, each padded to 4 bytes. */
    private static byte[] strings(String... values) {
        ByteBuffer b = ByteBuffer.allocate(300 * values.length).order(ByteOrder.nativeOrder());
        for (int i = 0; i < values.length; i++) {
            byte[] s = (values[i] + "\0").getBytes(StandardCharsets.US_ASCII);
            b.putShort((short) (4 + s.length)).putShort((short) (i + 1)).put(s);
            b.position((b.position() + 3) & ~3);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** The keys of every element of an inet-family nft set, as the raw bytes the kernel holds. */
    static List<byte[]> setKeys(String table, String set) throws IOException {
        byte[] req = message(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETSETELEM, NLM_F_REQUEST | NLM_F_DUMP,
                NFPROTO_INET, strings(table, set));
        List<byte[]> keys = new ArrayList<>();
        exchange(req, 0, msg -> {
            if ((msg.getShort(4) & 0xffff) != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWSETELEM)) {
                throw new IOException("unexpected netlink message type " + msg.getShort(4));
            }
            // NFTA_SET_ELEM_LIST_ELEMENTS > NFTA_LIST_ELEM > NFTA_SET_ELEM_KEY > NFTA_DATA_VALUE
            for (ByteBuffer list : attrs(msg, 20, msg.getInt(0), 3)) {
                for (ByteBuffer elem : attrs(list, 4, list.limit(), 1)) {
                    for (ByteBuffer key : attrs(elem, 4, elem.limit(), 1)) {
                        for (ByteBuffer value : attrs(key, 4, key.limit(), 1)) {
                            byte[] k = new byte[value.limit() - 4];
                            value.get(4, k);
                            keys.add(k);
                        }
                    }
                }
            }
        });
        return keys;
    }

    private interface Handler {
        void handle(ByteBuffer message) throws IOException;
    }

    private static final Handler ACK_ONLY = msg -> {
        throw new IOException("unexpected netlink message type " + msg.getShort(4));
    };

    /** nlmsghdr + nfgenmsg + attributes. */
    private static byte[] message(int type, int flags, int family, byte[] attrs) {
        ByteBuffer b = ByteBuffer.allocate(20 + attrs.length).order(ByteOrder.nativeOrder());
        b.putInt(20 + attrs.length).putShort((short) type).putShort((short) flags).putInt(1).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0).put(attrs);
        return b.array();
    }

    /** Attributes of the given type found in b[from, to), each as a buffer starting at its own header. */
    private static List<ByteBuffer> attrs(ByteBuffer b, int from, int to, int type) {
        List<ByteBuffer> out = new ArrayList<>();
        int at = from;
        while (at + 4 <= to) {
            int len = b.getShort(at) & 0xffff;
            if (len < 4 || at + len > to) {
                break;
            }
            if ((b.getShort(at + 2) & 0x3fff) == type) { // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
                out.add(b.slice(at, len).order(ByteOrder.nativeOrder()));
            }
            at += (len + 3) & ~3;
        }
        return out;
    }

    /** Sends the request, then reads until that many acks (NLMSG_ERROR 0) or a dump's end; fails on an error. */
    private static void exchange(byte[] request, int acks, Handler handler) throws IOException {
        int fd = libc().socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0) {
            throw new IOException("netlink socket: errno " + errno());
        }
        try {
            byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(2).putLong(0).array();
            libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
            if (libc().write(fd, request, request.length) != request.length) {
                throw new IOException("netlink write: errno " + errno());
            }
            byte[] buf = new byte[1 << 18];
            while (true) {
                long n = libc().read(fd, buf, buf.length);
                if (n <= 0) {
                    throw new IOException("netlink read: errno " + errno());
                }
                ByteBuffer all = ByteBuffer.wrap(buf, 0, (int) n).order(ByteOrder.nativeOrder());
                for (int at = 0; at + 16 <= n; ) {
                    int len = all.getInt(at);
                    if (len < 16 || at + len > n) {
                        throw new IOException("malformed netlink message");
                    }
                    ByteBuffer msg = all.slice(at, len).order(ByteOrder.nativeOrder());
                    int type = msg.getShort(4) & 0xffff;
                    if (type == NLMSG_DONE) {
                        return;
                    }
                    if (type == NLMSG_ERROR) {
                        int error = msg.getInt(16);
                        if (error != 0) {
                            throw new IOException("netlink request failed: errno " + -error);
                        }
                        if (--acks <= 0) {
                            return;
                        }
                    } else {
                        handler.handle(msg);
                    }
                    at += (len + 3) & ~3;
                }
            }
        } finally {
            libc().close(fd);
        }
    }
}
