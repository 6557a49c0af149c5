-- What each store reports of the feed entries it parked (its handler refused them; the rest of its feed went on):
-- how many, the latest one's reason and when the store said so. Shown in the store's sync status (issue #14).
CREATE TABLE sync_store_feed_parked (
  store_id uuid PRIMARY KEY,
  parked int NOT NULL,
  reason text,
  reported_at bigint NOT NULL
);
