-- Sync lag over time, for the console's chart. One fleet row per sample; a store row only while that store lags
-- (or is disconnected), so a calm fleet of 5,000 stores writes one row per sample, not 5,000. Samples are bucketed
-- by time, so several hub replicas sampling at once write each bucket once. Kept for a day.
CREATE TABLE sync_lag_fleet (
  at bigint PRIMARY KEY,
  stores int NOT NULL,
  connected int NOT NULL,
  pending_up bigint NOT NULL,
  feed_lag bigint NOT NULL,
  max_lag bigint NOT NULL
);
CREATE TABLE sync_lag_stores (
  store_id uuid NOT NULL,
  at bigint NOT NULL,
  connected boolean NOT NULL,
  pending_up bigint NOT NULL,
  feed_lag bigint NOT NULL,
  PRIMARY KEY (store_id, at)
);
CREATE INDEX sync_lag_stores_at ON sync_lag_stores (at);
