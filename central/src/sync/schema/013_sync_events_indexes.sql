-- migrate: no-transaction
-- Indexes on the hub's largest tables (issue #14), built CONCURRENTLY: uploads go on writing sync_events while they
-- build (a plain CREATE INDEX would hold them up for as long as it reads the table). Each statement can run again:
-- IF NOT EXISTS skips a built index, and the hub drops one that an interrupted build left INVALID and builds it anew.

-- An event's identity (007): a restored store file's repeats are found by (origin, hlc), held or parked.
CREATE INDEX CONCURRENTLY IF NOT EXISTS sync_events_identity ON sync_events (origin, hlc);
CREATE INDEX CONCURRENTLY IF NOT EXISTS sync_parked_identity ON sync_parked (origin, hlc);

-- Retention (008): sweeps find events past the archive age by when they arrived.
CREATE INDEX CONCURRENTLY IF NOT EXISTS sync_events_received_at ON sync_events (received_at);
