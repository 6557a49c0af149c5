-- Console sessions end after a spell without use (issue #27, SESSION_IDLE_MINUTES): the last time a session was used,
-- written at most once a minute per session (not once per request). A session open before this migration counts as
-- used when it was created.
ALTER TABLE sessions ADD COLUMN last_seen_at bigint;
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL;

-- Requests per caller per second at the API edge, counted across hub replicas (kernel/edge/request-limits.ts): each
-- replica writes its own count of a (key, one-second window) every ~150 ms and reads the others'. Rows older than a few
-- seconds are purged on each write. UNLOGGED (PGlite too): the counts are worth nothing after a crash.
CREATE UNLOGGED TABLE edge_request_counts (
  key text NOT NULL,            -- user:<id>, store:<id>, customer:<id>, anonymous:<address key>
  window_start bigint NOT NULL, -- epoch ms of the second
  replica text NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (key, window_start, replica)
);
