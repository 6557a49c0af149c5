-- This store's stock per sku: every local movement (sales, returns, receipts, pickups, counts) as they happen.
CREATE TABLE stock (
  sku TEXT PRIMARY KEY,
  on_hand INTEGER NOT NULL DEFAULT 0,
  low_stock_at INTEGER NOT NULL DEFAULT 0,   -- listed as low at or below this
  updated_at INTEGER NOT NULL
);
