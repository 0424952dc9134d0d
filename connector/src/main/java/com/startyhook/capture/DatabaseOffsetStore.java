package com.startyhook.capture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium offset store over the connector's {@code capture_offset} table (docs/design.md).
 *
 * <p>The capture writes offsets itself, in the same transaction as the outbox rows they cover
 * ({@link CaptureHandler}); this store only loads them when the engine starts and keeps the
 * engine's own flushes in memory, so PostgreSQL holds exactly what was committed with the outbox.
 * Debezium instantiates it by class name ({@code offset.storage}); it finds its database through
 * {@value #ID_KEY}, an id under which the capture registered its pool, so no password travels
 * through the engine's configuration.
 */
public final class DatabaseOffsetStore extends MemoryOffsetBackingStore {
    static final String ID_KEY = "offset.storage.startyhook.id";
    private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();

    record Target(DataSource dataSource, String table) {}

    private Target target;

    static void register(String id, DataSource dataSource, String schema) {
        TARGETS.put(id, new Target(dataSource, schema + ".capture_offset"));
    }

    static void unregister(String id) {
        TARGETS.remove(id);
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Object id = config.originals().get(ID_KEY);
        target = id == null ? null : TARGETS.get(id.toString());
        if (target == null) {
            throw new ConnectException("offset store " + id + " is not registered (" + ID_KEY + ")");
        }
    }

    @Override
    public synchronized void start() {
        super.start();
        try (Connection c = target.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT offset_key, offset_value FROM " + target.table());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                data.put(buffer(rs.getString(1)), buffer(rs.getString(2)));
            }
        } catch (SQLException e) {
            throw new ConnectException("cannot read capture offsets from " + target.table() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }

    private static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
