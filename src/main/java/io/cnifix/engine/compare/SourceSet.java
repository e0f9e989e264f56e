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

    boolean intersects(Interval i) {
        for (Interval r : ranges) {
            if (r.first().compareTo(i.last()) <= 0 && i.first().compareTo(r.last()) <= 0) {
                return true;
            }
        }
        return false;
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
