-- Sync lag as time, so an outage shows in the history (issue #17). Until now a sample kept only counts the hub knew
-- of: a store that was offline reported nothing waiting (its outbox grows where the hub cannot see it), so the chart
-- stayed flat through the outage. Each lagging or offline store's row now keeps since when it has been behind
-- (`behind_since`: last heard from while offline, the oldest feed entry it has not acknowledged, or the first sample
-- of a run of lagging ones), and each fleet sample keeps the interval it was taken at, so a stretch with no samples
-- (the hub was not recording) is drawn as a gap rather than a line from one side to the other.
ALTER TABLE sync_lag_stores ADD COLUMN behind_since bigint;
ALTER TABLE sync_lag_fleet ADD COLUMN every_ms bigint;
ALTER TABLE sync_lag_fleet ADD COLUMN worst_lag_ms bigint;
