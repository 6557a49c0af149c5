-- Each rebase of a store's feed after a hub restore (issue #14): the restored hub numbered its feed below what the
-- store had applied, so the entries the store may lack were renumbered to follow its cursor and each module's
-- reconcile entries appended after them. Shown in the store's sync status; kept as an audit.
CREATE TABLE sync_feed_rebases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id uuid NOT NULL,
  rebased_at bigint NOT NULL,
  -- 'hub': the store's cursor was past the feed's head (or at an entry the hub lacks and never pruned);
  -- 'store': the store applied another entry at its cursor than the one the hub holds there
  detected_by text NOT NULL,
  -- the store's cursor, the head before, the head after (renumbered and reconcile entries included)
  cursor bigint NOT NULL,
  old_head bigint NOT NULL,
  new_head bigint NOT NULL,
  -- entries renumbered to follow the cursor (some the store may have applied already: it applies each idempotently)
  moved int NOT NULL
);
CREATE INDEX sync_feed_rebases_store ON sync_feed_rebases (store_id, rebased_at DESC);
