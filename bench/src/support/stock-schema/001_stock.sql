-- Benchmark-only stand-in for the inventory module: an on-hand counter per (store, sku).
CREATE TABLE bench_stock (
  store_id uuid NOT NULL,
  sku text NOT NULL,
  on_hand bigint NOT NULL,
  PRIMARY KEY (store_id, sku)
);
-- The anchor's own table: one row per event posted over HTTP, deduplicated by (origin, seq).
CREATE TABLE bench_http_events (
  origin uuid NOT NULL,
  seq bigint NOT NULL,
  payload jsonb,
  PRIMARY KEY (origin, seq)
);
