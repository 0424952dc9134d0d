package com.startyhook.bench;

import java.util.function.BooleanSupplier;

/** Polls a condition every 20 ms until it holds, or fails naming what was awaited. */
final class Wait {
    private Wait() {}

    static void until(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting " + seconds + " s for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Like {@link #until} but returns false instead of failing. */
    static boolean upTo(long seconds, BooleanSupplier condition) throws InterruptedException {
        try {
            until("", seconds, condition);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }
}
