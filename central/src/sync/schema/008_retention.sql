-- migrate: amends efe78db661dfd701
-- Retention at the hub (issue #14): feed entries every store has acknowledged are removed after a while, old events
-- move to an archive an operator can detach and dump, resolved parked events go. See central/src/sync/retention.ts.

-- Sweeps find events past the archive age by when they arrived: sync_events_received_at, built in 013 without
-- holding up uploads.

-- Events past the archive age (30 days by default), one partition per month of received_at, created as sweeps need
-- them (sync_events_archive_y2026m01…): DETACH an old month, dump it, drop it. No primary key (it would have to carry
-- received_at): a row moves in one statement (DELETE … RETURNING into INSERT), so it is archived exactly once.
CREATE TABLE sync_events_archive (
  LIKE sync_events INCLUDING DEFAULTS,
  archived_at bigint NOT NULL
) PARTITION BY RANGE (received_at);
-- An event's identity is (origin, hlc): a store file restored from an old backup resends events the hub may hold
-- only here. Built here, not concurrently: the archive is new and empty (and Postgres builds no index on a
-- partitioned table concurrently); each month's partition gets it as a sweep creates the partition.
CREATE INDEX sync_events_archive_identity ON sync_events_archive (origin, hlc);

-- One row per sweep, its counts updated with every batch. A sweep whose process died stays 'running' until the next
-- sweep takes the lock and marks it 'interrupted'.
CREATE TABLE sync_retention_sweeps (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  replica text NOT NULL,
  -- 'schedule', or who asked for it from the API ('user:<id>')
  trigger text NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint,
  -- running, done, stopped (the hub was stopping), failed (error says why), interrupted (its process died)
  state text NOT NULL,
  -- rows archived or removed so far, by table: {"sync_events": 120000, …}
  moved jsonb NOT NULL DEFAULT '{}',
  error text
);

-- Rows each table has had archived or removed, all sweeps together; written in each batch's own transaction.
CREATE TABLE sync_retention_totals (
  tbl text PRIMARY KEY,
  moved bigint NOT NULL,
  last_at bigint NOT NULL
);
