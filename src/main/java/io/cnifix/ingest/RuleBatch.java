package io.cnifix.ingest;

import io.cnifix.model.Family;
import io.cnifix.model.Rule;
import io.cnifix.model.TextSpan;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Consecutive rule lines of one table, parsed together on whichever thread takes them. Parsing stops at the first
 * bad line: its error is the batch's {@link #failure}, thrown by the reading thread in line order.
 */
final class RuleBatch {
    static final int SIZE = 1024;
    /** Tells the worker to stop. */
    static final RuleBatch STOP = new RuleBatch(null, null, null, null, null);

    private final String file;
    private final Family family;
    private final NameTables names;
    private final String table;
    private final Set<String> chains;
    /** Each line as {@code bases[i][starts[i], ends[i])}: the dump's text itself, not a string per line. */
    private final String[] bases = new String[SIZE];
    private final int[] starts = new int[SIZE];
    private final int[] ends = new int[SIZE];
    private final int[] lineNos = new int[SIZE];
    private final List<List<Rule>> places = new ArrayList<>(SIZE);
    private final int[] indexes = new int[SIZE];
    private final Rule[] parsed = new Rule[SIZE];
    private int count;
    final List<String> notes = new ArrayList<>();
    private Throwable failure;
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    /** {@code chains}: the table's chains these lines see (a jump to one of them takes no options). */
    RuleBatch(String file, Family family, NameTables names, String table, Set<String> chains) {
        this.file = file;
        this.family = family;
        this.names = names;
        this.table = table;
        this.chains = chains;
    }

    /** The rule line {@code base[start, end)}, which is {@code place.get(index)} of its chain once parsed. */
    void add(String base, int start, int end, int lineNo, List<Rule> place, int index) {
        bases[count] = base;
        starts[count] = start;
        ends[count] = end;
        lineNos[count] = lineNo;
        places.add(place);
        indexes[count] = index;
        count++;
    }

    boolean full() {
        return count == SIZE;
    }

    /** Parses every line, sharing words through {@code words} (one map per thread). */
    void run(WordTable words) {
        try {
            for (int i = 0; i < count; i++) {
                int lineNo = lineNos[i];
                RuleTokens tokens = RuleTokens.split(bases[i], starts[i], ends[i], file, lineNo, words);
                RuleLineParser p = new RuleLineParser(file, lineNo, family, tokens, 2, chains, names, notes);
                p.parse();
                parsed[i] = new Rule(table, tokens.values.get(1), indexes[i] + 1, file, lineNo,
                        new TextSpan(bases[i], starts[i], ends[i]), p.matches, p.target);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            done.countDown();
        }
    }

    boolean failed() {
        return failure != null;
    }

    /** The first bad line's error, to throw on the reading thread (an Error is thrown from here as it is). */
    RuntimeException failure() {
        if (failure instanceof Error e) {
            throw e;
        }
        return (RuntimeException) failure;
    }

    void await() {
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Puts each parsed rule in its place. */
    void fill() {
        for (int i = 0; i < count; i++) {
            places.get(i).set(indexes[i], parsed[i]);
        }
    }
}
