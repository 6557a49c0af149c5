-- Oversells: a store's on-hand fell below what the hub had reserved there (it sold offline what was promised online).
CREATE TABLE inventory_incidents (
  id uuid PRIMARY KEY,
  store_id uuid NOT NULL,
  sku text NOT NULL,
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL,
  short bigint NOT NULL,                 -- reserved - on_hand when detected
  status text NOT NULL CHECK (status IN ('OPEN', 'REPAIRED')),
  resolution jsonb,                      -- what the repair did, per reservation
  detected_at bigint NOT NULL,
  resolved_at bigint
);
CREATE INDEX inventory_incidents_open ON inventory_incidents (detected_at) WHERE status = 'OPEN';
CREATE UNIQUE INDEX inventory_incidents_one_open ON inventory_incidents (store_id, sku) WHERE status = 'OPEN';
