package com.startyhook.delivery;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most {@code limit} requests in flight per receiving host; the rest wait in a queue, without
 * holding a thread, and start as earlier ones finish. A task cancelled while queued never starts.
 */
final class HostLimiter {
    private final int limit;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    HostLimiter(int limit) {
        this.limit = limit;
    }

    private static final class Host {
        int running;
        final Queue<Runnable> waiting = new ArrayDeque<>();
    }

    /** Runs {@code task} for {@code host} now or later; the returned future completes with its result. */
    <T> CompletableFuture<T> submit(String host, Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Host h = hosts.computeIfAbsent(host, k -> new Host());
        Runnable start = () -> {
            if (result.isDone()) { // cancelled while waiting
                finished(h);
                return;
            }
            CompletableFuture<T> running;
            try {
                running = task.get();
            } catch (RuntimeException e) {
                running = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<T> started = running;
            result.whenComplete((v, e) -> {
                if (result.isCancelled()) {
                    started.cancel(true);
                }
            });
            started.whenComplete((v, e) -> {
                finished(h);
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(v);
                }
            });
        };
        boolean now;
        synchronized (h) {
            now = h.running < limit;
            if (now) {
                h.running++;
            } else {
                h.waiting.add(start);
            }
        }
        if (now) {
            start.run();
        }
        return result;
    }

    private void finished(Host h) {
        Runnable next;
        synchronized (h) {
            next = h.waiting.poll();
            if (next == null) {
                h.running--;
            }
        }
        if (next != null) {
            next.run(); // keeps the slot
        }
    }
}
