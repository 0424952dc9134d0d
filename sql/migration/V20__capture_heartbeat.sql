-- Capture heartbeat (DESIGN §9, slot hygiene): Debezium's heartbeat.action.query writes here at
-- every heartbeat, so that an ERP database whose captured tables are idle still produces WAL and
-- the replication slot keeps advancing. One row; the table is never published.
CREATE TABLE capture_heartbeat (
    id          integer     PRIMARY KEY CHECK (id = 1),
    beat_at     timestamptz NOT NULL
);
INSERT INTO capture_heartbeat (id, beat_at) VALUES (1, now());
