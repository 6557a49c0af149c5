-- Gaps in a store's feed the hub told the store to skip (`feed-skip`, issue #14): entries removed by retention after
-- a store disk acknowledged them (a new or restored disk starts below them), or renumbered past them by a rebase.
-- One row per gap end; the same gap again only counts. `reconcile_from` is the first reconcile entry (a hold snapshot)
-- appended after the gap, null when one already followed it.
CREATE TABLE sync_feed_skips (
  store_id uuid NOT NULL,
  to_seq bigint NOT NULL,
  from_seq bigint NOT NULL,
  first_at bigint NOT NULL,
  last_at bigint NOT NULL,
  times int NOT NULL DEFAULT 1,
  reconcile_from bigint,
  PRIMARY KEY (store_id, to_seq),
  CHECK (to_seq >= from_seq)
);

-- Where a rebase's reconcile entries start (null for rebases recorded before this): a gap before them needs no other.
ALTER TABLE sync_feed_rebases ADD COLUMN reconcile_from bigint;
