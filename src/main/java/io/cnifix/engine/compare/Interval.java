package io.cnifix.engine.compare;

import io.cnifix.model.Cidr;
import io.cnifix.model.Family;
import io.cnifix.model.IpAddress;

import java.util.ArrayList;
import java.util.List;

/** An inclusive range of addresses of one family. */
record Interval(IpAddress first, IpAddress last) {

    // see IpAddress: explicit, so no method-handle bootstrap on a short run
    @Override
    public boolean equals(Object o) {
        return o instanceof Interval i && i.first.equals(first) && i.last.equals(last);
    }

    @Override
    public int hashCode() {
        return first.hashCode() * 31 + last.hashCode();
    }

    static Interval of(Cidr c) {
        return new Interval(c.base(), c.last());
    }

    static Interval all(Family f) {
        return of(Cidr.all(f));
    }

    /** Sorted, with overlapping and adjacent ranges joined. */
    static List<Interval> merge(List<Interval> in) {
        List<Interval> sorted = new ArrayList<>(in);
        sorted.sort(java.util.Comparator.comparing(Interval::first));
        List<Interval> out = new ArrayList<>();
        for (Interval i : sorted) {
            if (!out.isEmpty()) {
                Interval prev = out.get(out.size() - 1);
                IpAddress top = Cidr.all(prev.last().family()).last();
                if (prev.last().equals(top) || i.first().compareTo(prev.last().plus(1)) <= 0) {
                    if (i.last().compareTo(prev.last()) > 0) {
                        out.set(out.size() - 1, new Interval(prev.first(), i.last()));
                    }
                    continue;
                }
            }
            out.add(i);
        }
        return out;
    }

    boolean contains(IpAddress a) {
        return first.compareTo(a) <= 0 && a.compareTo(last) <= 0;
    }

    /** The smallest set of prefixes that covers exactly this range. */
    List<Cidr> toCidrs() {
        if (first.isV4()) {
            return v4Cidrs();
        }
        List<Cidr> out = new ArrayList<>();
        IpAddress cur = first;
        int bits = first.family().bits();
        while (cur.compareTo(last) <= 0) {
            int prefix = bits;
            // Widen the block while it stays aligned and inside the range.
            while (prefix > 0) {
                Cidr wider = new Cidr(cur, prefix - 1);
                if (!wider.base().equals(cur) || wider.last().compareTo(last) > 0) {
                    break;
                }
                prefix--;
            }
            Cidr block = new Cidr(cur, prefix);
            out.add(block);
            IpAddress end = block.last();
            if (end.equals(Cidr.all(first.family()).last())) {
                break;
            }
            cur = end.plus(1);
        }
        return out;
    }

    /** The same for IPv4 in plain arithmetic: each block is the largest aligned power of two that still fits. */
    private List<Cidr> v4Cidrs() {
        List<Cidr> out = new ArrayList<>();
        long cur = first.lo();
        long end = last.lo();
        while (cur <= end) {
            long size = cur == 0 ? 1L << 32 : Long.lowestOneBit(cur);
            while (size > end - cur + 1) {
                size >>= 1;
            }
            out.add(new Cidr(IpAddress.v4(cur), 32 - Long.numberOfTrailingZeros(size)));
            cur += size;
        }
        return out;
    }

    /** At most {@code shown} prefixes of a long list, then how many more: a why must stay readable. */
    static String brief(List<Cidr> cidrs) {
        int shown = 8;
        if (cidrs.size() <= shown) {
            return cidrs.toString();
        }
        return cidrs.subList(0, shown).toString().replace("]", ", ... and " + (cidrs.size() - shown) + " more]");
    }

    @Override
    public String toString() {
        return first.equals(last) ? first.toString() : first + "-" + last;
    }
}
