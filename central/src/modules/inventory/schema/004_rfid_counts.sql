-- What each store's complete RFID count cycles found (`stock.counted` events), for inventory accuracy: skus the count
-- compared and how many matched on-hand, units read and units off. Keyed by the store's count id: a resend (the same
-- count under another seq, from a restored store file) changes nothing. Rows older than 90 days (the longest window
-- the accuracy route reads) are deleted by the inventory.rfid-counts-prune job.
CREATE TABLE inventory_rfid_counts (
  store_id uuid NOT NULL,
  count_id text NOT NULL,
  at bigint NOT NULL,                    -- when the store finished the count (its clock)
  skus_counted integer NOT NULL CHECK (skus_counted >= 0),
  skus_matching integer NOT NULL CHECK (skus_matching BETWEEN 0 AND skus_counted),
  units_counted bigint NOT NULL CHECK (units_counted >= 0),
  units_off bigint NOT NULL CHECK (units_off >= 0),
  origin_seq bigint NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (store_id, count_id)
);
CREATE INDEX inventory_rfid_counts_store_at ON inventory_rfid_counts (store_id, at);
