-- Looking up an element's actions without its entity (`outbox list --element 42`, the console's
-- element filter) must not scan the outbox.
CREATE INDEX action_element_id ON action (element_id, id);
