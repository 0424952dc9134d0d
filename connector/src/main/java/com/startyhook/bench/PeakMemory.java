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
final class PeakMemory implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    record Peak(long heapBytes, long liveHeapBytes, long rssBytes, boolean rssReset) {
        long heapMb() {
            return heapBytes >> 20;
        }

        long liveHeapMb() {
            return liveHeapBytes >> 20;
        }

        long rssMb() {
            return rssBytes < 0 ? -1 : rssBytes >> 20;
        }
    }

    private boolean rssReset;
    private volatile long liveHeap;
    private final Thread sampler;

    /**
     * Also samples, every 100 ms, the heap in use after the last collection of each pool: the
     * peak of live data, which the pools' peak usage (young generation sized by the collector)
     * overstates.
     */
    PeakMemory() {
        sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long used = 0;
                for (MemoryPoolMXBean pool : heapPools()) {
                    var after = pool.getCollectionUsage();
                    used += after == null ? 0 : after.getUsed();
                }
                liveHeap = Math.max(liveHeap, used);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts a phase: forgets earlier peaks (after a GC, so that the phase starts from live data). */
    void reset() {
        System.gc();
        for (MemoryPoolMXBean pool : heapPools()) {
            pool.resetPeakUsage();
        }
        liveHeap = 0;
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
        return new Peak(heap, liveHeap, statusKb("VmHWM:") * 1024, rssReset);
    }

    /** Stops the sampler. */
    @Override
    public void close() {
        sampler.interrupt();
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
