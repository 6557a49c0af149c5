-- Authoritative stock per (store, sku). on_hand is a PN-counter: the sum of every signed movement from every origin.
-- reserved is hub-owned (holds); safety is set per store/sku. Available to promise = on_hand - reserved - safety.
CREATE TABLE inventory_stock (
  store_id uuid NOT NULL,
  sku text NOT NULL,
  on_hand bigint NOT NULL DEFAULT 0,
  reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  safety bigint NOT NULL DEFAULT 0 CHECK (safety >= 0),
  updated_at bigint NOT NULL,
  PRIMARY KEY (store_id, sku)
);

-- Every stock movement with its source, partitioned by month of `at` (epoch ms) so old months can be detached and
-- archived. Partitions are created ahead by the module (see partitions.ts); the default one catches strays.
CREATE TABLE inventory_movements (
  store_id uuid NOT NULL,
  sku text NOT NULL,
  delta bigint NOT NULL,
  kind text NOT NULL,
  source text NOT NULL CHECK (source IN ('POS', 'ONLINE', 'WAREHOUSE', 'RFID')),
  origin_seq bigint,
  at bigint NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE inventory_movements_default PARTITION OF inventory_movements DEFAULT;
CREATE INDEX inventory_movements_store_sku_at ON inventory_movements (store_id, sku, at DESC);
