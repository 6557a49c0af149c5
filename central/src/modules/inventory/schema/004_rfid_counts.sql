-- What each store's complete RFID count cycles found (`stock.counted` events), for inventory accuracy, kept as one row
-- per store and UTC day of the store's `at`: that day's counts summed (skus the counts compared and how many matched
-- on-hand, units read and units off), so accuracy (skus matching ÷ skus counted) reads over whole days. One row per
-- count cycle would be 1,440 rows a store a day from a reader that counts every 60 s (~7 million a day over 5,000
-- stores). A resent count is not added twice: the hub applies each store event once (its seq, and a restored store
-- file's repeats by HLC, type and payload). Days older than 90 (the longest window the accuracy route reads) are
-- deleted by the inventory.rfid-counts-prune job.
CREATE TABLE inventory_rfid_count_days (
  store_id uuid NOT NULL,
  day date NOT NULL,
  counts integer NOT NULL CHECK (counts > 0),
  skus_counted bigint NOT NULL CHECK (skus_counted >= 0),
  skus_matching bigint NOT NULL CHECK (skus_matching BETWEEN 0 AND skus_counted),
  units_counted bigint NOT NULL CHECK (units_counted >= 0),
  units_off bigint NOT NULL CHECK (units_off >= 0),
  last_at bigint NOT NULL,                -- the day's latest count (the store's clock)
  updated_at bigint NOT NULL,
  PRIMARY KEY (store_id, day)
);
