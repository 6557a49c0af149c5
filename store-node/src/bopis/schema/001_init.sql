-- This store's BOPIS reservations, as the hub's feed announced them (or as a valid pickup code showed them).
CREATE TABLE bopis_reservations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  customer_ref TEXT NOT NULL,
  lines TEXT NOT NULL,            -- JSON [{ sku, qty }]
  expires_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,    -- the hub's updatedAt of the newest version applied
  handed_over_at INTEGER,
  no_show_at INTEGER
);
CREATE INDEX bopis_reservations_due ON bopis_reservations (status, expires_at);
