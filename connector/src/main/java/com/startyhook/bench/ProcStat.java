package com.startyhook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux says about a process in {@code /proc/<pid>}: its CPU time ({@code utime + stime} of
 * {@code stat}, clock ticks converted to µs), its command name and its resident set's high-water
 * mark ({@code VmHWM} of {@code status}). Every reader answers -1 (or null) where there is no
 * {@code /proc} or the process is gone, so the benchmark prints "n/a" instead of failing.
 */
final class ProcStat {
    /** USER_HZ: 100 on every Linux the connector runs on; {@code getconf CLK_TCK} says otherwise if not. */
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    private ProcStat() {}

    /** The process's CPU time (user + system) in µs, or -1. */
    static long cpuMicros(long pid) {
        String[] f = fieldsAfterName(pid);
        if (f == null || f.length < 13) {
            return -1;
        }
        try {
            // stat fields 14 (utime) and 15 (stime); f[0] is field 3 (state)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000L / TICKS_PER_SECOND;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The process's command name (field 2 of stat, {@code postgres} for every PostgreSQL process), or null. */
    static String name(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return null;
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open < 0 || close < open ? null : stat.substring(open + 1, close);
    }

    /** The peak resident set size in MB ({@code VmHWM}), or -1. */
    static long peakRssMb(long pid) {
        String status = read(Path.of("/proc", Long.toString(pid), "status"));
        if (status == null) {
            return -1;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                try {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim()) >> 10;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String[] fieldsAfterName(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        int close = stat == null ? -1 : stat.lastIndexOf(')');
        return close < 0 ? null : stat.substring(close + 1).trim().split(" ");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return null; // not Linux, or the process has ended
        }
    }

    private static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            long ticks = Long.parseLong(out);
            return ticks > 0 ? ticks : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
