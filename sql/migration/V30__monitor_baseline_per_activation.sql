-- Monitor service (DESIGN §4).
-- A baseline belongs to one activation of a flow, not only to its content hash: deactivating and
-- re-activating the same content takes a new baseline, because what changed while the flow was
-- inactive must not fire (DESIGN §5, "events that happen while a flow is inactive are not queued").
ALTER TABLE monitor_state ADD COLUMN baseline_activated_at timestamptz;

-- A scan walks its query's rows ordered by id::text COLLATE "C" and compares them, range by range,
-- with the stored fingerprints: element ids must sort the same way in the table and its index.
ALTER TABLE monitor_element ALTER COLUMN element_id TYPE text COLLATE "C";
