package com.startyhook.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process's peak memory during a phase: the JVM heap (sum of the heap pools' peak usage, an
 * upper bound since the pools need not peak together) and the resident set's high-water mark
 * (VmHWM of /proc/self/status, reset through /proc/self/clear_refs where Linux allows it).
 */
final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    record Peak(long heapBytes, long rssBytes, boolean rssReset) {
        long heapMb() {
            return heapBytes >> 20;
        }

        long rssMb() {
            return rssBytes < 0 ? -1 : rssBytes >> 20;
        }
    }

    private boolean rssReset;

    /** Starts a phase: forgets earlier peaks (after a GC, so that the phase starts from live data). */
    void reset() {
        System.gc();
        for (MemoryPoolMXBean pool : heapPools()) {
            pool.resetPeakUsage();
        }
        try {
            Files.writeString(CLEAR_REFS, "5"); // resets VmHWM to the current RSS (Linux 4.0+)
            rssReset = true;
        } catch (IOException | RuntimeException e) {
            rssReset = false;
        }
    }

    Peak read() {
        long heap = 0;
        for (MemoryPoolMXBean pool : heapPools()) {
            heap += pool.getPeakUsage().getUsed();
        }
        return new Peak(heap, statusKb("VmHWM:") * 1024, rssReset);
    }

    static long maxHeapMb() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
