-- Replenishment: lead time per (store, sku) for the reorder point, and the current low-stock state with the last
-- suggestion (one row per key; a change of state is what goes out as an event).
ALTER TABLE inventory_stock ADD COLUMN lead_time_days int NOT NULL DEFAULT 3 CHECK (lead_time_days BETWEEN 0 AND 365);
CREATE INDEX inventory_stock_changed ON inventory_stock (updated_at, store_id, sku);

CREATE TABLE inventory_alerts (
  store_id uuid NOT NULL,
  sku text NOT NULL,
  low boolean NOT NULL,
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL,
  velocity_per_day double precision NOT NULL,
  reorder_point bigint NOT NULL,
  suggested_qty bigint NOT NULL,
  changed_at bigint NOT NULL,            -- when `low` last flipped
  checked_at bigint NOT NULL,
  PRIMARY KEY (store_id, sku)
);
CREATE INDEX inventory_alerts_low ON inventory_alerts (store_id, changed_at) WHERE low;

-- Where the replenishment sweep has got to in the stream of changed stock rows (keyset cursor).
CREATE TABLE inventory_sweeps (
  name text PRIMARY KEY,
  updated_at bigint NOT NULL,
  store_id uuid NOT NULL,
  sku text NOT NULL
);
