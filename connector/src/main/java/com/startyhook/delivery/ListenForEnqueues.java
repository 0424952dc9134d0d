package com.startyhook.delivery;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a dedicated connection that {@code LISTEN}s on {@code startyhook_actions} (notified by
 * the outbox insert trigger in every connector process) and wakes the workers on each
 * notification, so an action enqueued by another process is sent within milliseconds.
 * Reconnects after errors; the workers' poll interval covers the gaps.
 */
final class ListenForEnqueues implements Runnable {
    static final String CHANNEL = "startyhook_actions";
    private static final Logger LOG = LoggerFactory.getLogger(ListenForEnqueues.class);
    private static final int WAIT_MS = 250;

    private final Callable<Connection> connections;
    private final Runnable wakeUp;
    private final BooleanSupplier running;

    ListenForEnqueues(Callable<Connection> connections, Runnable wakeUp, BooleanSupplier running) {
        this.connections = connections;
        this.wakeUp = wakeUp;
        this.running = running;
    }

    @Override
    public void run() {
        long backoffMs = 500;
        while (running.getAsBoolean()) {
            try (Connection c = connections.call()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                LOG.debug("Listening for enqueued actions on {}", CHANNEL);
                backoffMs = 500;
                wakeUp.run(); // anything enqueued while we were not listening
                while (running.getAsBoolean()) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MS);
                    if (notifications != null && notifications.length > 0) {
                        wakeUp.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running.getAsBoolean()) {
                    return;
                }
                LOG.warn("LISTEN {} connection lost ({}); reconnecting in {} ms, polling meanwhile", CHANNEL,
                        e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 30_000);
            }
        }
    }
}
