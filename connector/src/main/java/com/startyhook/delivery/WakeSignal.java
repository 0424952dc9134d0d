package com.startyhook.delivery;

import java.time.Duration;

/**
 * Wakes idle workers when there may be work: an action was enqueued (in-process call or
 * LISTEN/NOTIFY), or a delivery finished and released the next action of its element. A
 * generation counter makes sure a signal sent while a worker was busy is not lost.
 */
final class WakeSignal {
    private long generation;

    synchronized long generation() {
        return generation;
    }

    /** Wakes one idle worker (which wakes the next one if it finds a full batch). */
    synchronized void wakeOne() {
        generation++;
        notify();
    }

    synchronized void wakeAll() {
        generation++;
        notifyAll();
    }

    /** Waits until a signal newer than {@code seen} arrives, or {@code max} has passed. */
    synchronized void await(long seen, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (generation == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
