-- The foreign key from attempt to action cost ~10 % of the database's CPU under load: its check is
-- an SPI query per inserted attempt row, planned afresh each time on the connector's connections
-- (plan_cache_mode = force_custom_plan, which the claim needs). Attempts are only ever written by
-- the delivery workers, in the same statement that moves their action on under its lease, and
-- actions are only deleted by retention, which now deletes their attempts in the same statement.
ALTER TABLE attempt DROP CONSTRAINT attempt_action_id_fkey;
