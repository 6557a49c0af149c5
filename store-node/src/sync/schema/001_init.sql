-- Events this store produced, in the same transaction as the change they describe. seq is this store's own
-- sequence (origin = the store id); rows stay after the hub acknowledges them, for audit, until pruned.
CREATE TABLE sync_outbox (
  seq INTEGER PRIMARY KEY,
  hlc TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- acked_seq (highest seq the hub holds), feed_cursor (highest feed seq applied), pruned_through.
CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO sync_state (key, value) VALUES ('acked_seq', 0), ('feed_cursor', 0), ('pruned_through', 0);

-- Feed entries this node has no handler for (an older node, a newer hub): kept and shown, not dropped.
CREATE TABLE sync_feed_parked (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  reason TEXT NOT NULL,
  parked_at INTEGER NOT NULL
);
