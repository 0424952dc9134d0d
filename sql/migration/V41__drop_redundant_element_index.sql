-- action (element_id, id) from V40 answers "everything that happened to element X" with or without
-- the entity; the older (entity, element_id, created_at) index only cost every outbox write.
DROP INDEX action_element;
