-- Events a store lost to a hub restore (issue #14): the hub was restored from a backup older than the store keeps
-- acknowledged events, so it lacked events the store had already pruned. The store reported the gap (`events-lost`);
-- the hub moved the store's acked_seq past it so its uploads go on. Kept for good: counters built from these events
-- may need a stock count. One row per report (the same report again records nothing).
CREATE TABLE sync_lost_ranges (
  store_id uuid NOT NULL,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL,
  reported_at bigint NOT NULL,
  -- the store's own words
  reason text NOT NULL,
  PRIMARY KEY (store_id, from_seq),
  CHECK (to_seq >= from_seq)
);
