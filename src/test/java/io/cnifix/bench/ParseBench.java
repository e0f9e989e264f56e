package io.cnifix.bench;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.IptablesSaveParser;
import io.cnifix.model.Ruleset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Parses one iptables-save file repeatedly: the first (cold) run, the median of the warm runs, and the heap the
 * parsed ruleset keeps after a full GC. Run under -Xmx300m to show it fits. Usage: ParseBench FILE
 */
public final class ParseBench {
    private ParseBench() {
    }

    public static void main(String[] args) throws Exception {
        String text = Files.readString(Path.of(args[0]));
        long[] ms = new long[8];
        Ruleset kept = null;
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            kept = IptablesSaveParser.parse(new InputText(args[0], text));
            ms[i] = (System.nanoTime() - t) / 1_000_000;
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heap = (rt.totalMemory() - rt.freeMemory()) >> 20;
        long cold = ms[0];
        long[] warm = Arrays.copyOfRange(ms, 3, ms.length);
        Arrays.sort(warm);
        System.out.printf("parse %d rules: cold %d ms, warm median %d ms, heap after GC with the ruleset held %d MB (max %d MB)%n",
                kept.ruleCount(), cold, warm[warm.length / 2], heap, rt.maxMemory() >> 20);
    }
}
