-- The stores' RFID count summaries kept as one row per store and day instead of one per count cycle: a reader that
-- counts every 60 s made 1,440 rows a store a day (~7 million a day over 5,000 stores); a day's row sums that day's
-- counts, so accuracy (skus matching ÷ skus counted) reads exactly as before over whole days. A resent count is not
-- added twice: the hub applies each store event once (its seq, and a restored store file's repeats by HLC, type and
-- payload), so the count id the old table was keyed by is not needed. `day` is the UTC day of the store's `at`.
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

INSERT INTO inventory_rfid_count_days
  (store_id, day, counts, skus_counted, skus_matching, units_counted, units_off, last_at, updated_at)
SELECT store_id, (DATE '1970-01-01' + (at / 86400000)::int), count(*), sum(skus_counted), sum(skus_matching),
       sum(units_counted), sum(units_off), max(at), max(received_at)
FROM inventory_rfid_counts
GROUP BY 1, 2;

DROP TABLE inventory_rfid_counts;
