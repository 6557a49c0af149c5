-- The hub's low-stock alerts for this store, with its reorder suggestion (from the feed: inventory.low-stock adds,
-- inventory.restocked removes). Shown beside the local low-stock list; kept while offline.
CREATE TABLE reorder_suggestions (
  sku TEXT PRIMARY KEY,
  on_hand INTEGER NOT NULL,
  reorder_point INTEGER NOT NULL,
  suggested_qty INTEGER NOT NULL,
  velocity_per_day REAL NOT NULL,
  raised_at INTEGER NOT NULL
);
