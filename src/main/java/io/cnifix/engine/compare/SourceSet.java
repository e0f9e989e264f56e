package io.cnifix.engine.compare;

import io.cnifix.engine.SourceScope;
import io.cnifix.model.Cidr;
import io.cnifix.model.IpAddress;

import java.util.ArrayList;
import java.util.List;

/** Sorted, disjoint address ranges: the sources of one box (outside sources minus the holes in them). */
record SourceSet(List<Interval> ranges) implements SourceScope {
    SourceSet {
        ranges = List.copyOf(ranges);
    }

    IpAddress first() {
        return ranges.get(0).first();
    }

    IpAddress last() {
        return ranges.get(ranges.size() - 1).last();
    }

    @Override
    public boolean mayContain(Cidr c) {
        return c.family() == first().family() && intersects(Interval.of(c));
    }

    @Override
    public void mayContainEach(List<Cidr> sorted, boolean[] out) {
        int j = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Cidr c = sorted.get(i);
            if (c.family() != first().family()) {
                out[i] = false;
                continue;
            }
            IpAddress base = c.base();
            while (j < ranges.size() && ranges.get(j).last().compareTo(base) < 0) {
                j++;
            }
            out[i] = j < ranges.size() && ranges.get(j).first().compareTo(c.last()) <= 0;
        }
    }

    /** Binary search over the sorted, disjoint ranges: a scope of thousands of ranges is asked once per rule. */
    boolean intersects(Interval i) {
        int lo = 0;
        int hi = ranges.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Interval r = ranges.get(mid);
            if (r.last().compareTo(i.first()) < 0) {
                lo = mid + 1;
            } else if (r.first().compareTo(i.last()) > 0) {
                hi = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The addresses of this set inside (or, {@code inside} false, outside) the sorted, disjoint {@code other}; null when none. */
    SourceSet within(List<Interval> other, boolean inside) {
        List<Interval> out = new ArrayList<>();
        int j = 0;
        for (Interval r : ranges) {
            IpAddress cur = r.first();
            boolean done = false;
            while (!done) {
                while (j < other.size() && other.get(j).last().compareTo(cur) < 0) {
                    j++;
                }
                if (j == other.size() || other.get(j).first().compareTo(r.last()) > 0) {
                    if (!inside) {
                        out.add(new Interval(cur, r.last()));
                    }
                    done = true;
                    continue;
                }
                Interval o = other.get(j);
                if (o.first().compareTo(cur) > 0) {
                    if (!inside) {
                        out.add(new Interval(cur, o.first().plus(-1)));
                    }
                    cur = o.first();
                }
                IpAddress end = o.last().compareTo(r.last()) < 0 ? o.last() : r.last();
                if (inside) {
                    out.add(new Interval(cur, end));
                }
                if (end.equals(r.last())) {
                    done = true;
                } else {
                    cur = end.plus(1);
                }
            }
        }
        return out.isEmpty() ? null : new SourceSet(out);
    }

    /** The parts below {@code cut} and from {@code cut} on; either may be null when empty. */
    SourceSet[] split(IpAddress cut) {
        List<Interval> below = new ArrayList<>();
        List<Interval> above = new ArrayList<>();
        for (Interval r : ranges) {
            if (r.last().compareTo(cut) < 0) {
                below.add(r);
            } else if (r.first().compareTo(cut) >= 0) {
                above.add(r);
            } else {
                below.add(new Interval(r.first(), cut.plus(-1)));
                above.add(new Interval(cut, r.last()));
            }
        }
        return new SourceSet[] {below.isEmpty() ? null : new SourceSet(below), above.isEmpty() ? null : new SourceSet(above)};
    }
}
