-- Parked feed entries can be replayed (issue #14): after an upgrade brings a handler, or a fix, each is applied as the
-- feed would have, in seq order. A resolved entry keeps its row as an audit: when, by whom (`start-up` or the
-- caller), and the outcome. `created_at` is the hub's createdAt of the entry, which handlers use to keep the newer
-- version; rows parked before this migration have none (replayed as older than anything).
ALTER TABLE sync_feed_parked ADD COLUMN created_at INTEGER;
ALTER TABLE sync_feed_parked ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_feed_parked ADD COLUMN replayed_at INTEGER;
ALTER TABLE sync_feed_parked ADD COLUMN resolved_at INTEGER;
ALTER TABLE sync_feed_parked ADD COLUMN resolved_by TEXT;
ALTER TABLE sync_feed_parked ADD COLUMN outcome TEXT;
CREATE INDEX sync_feed_parked_open ON sync_feed_parked (seq) WHERE resolved_at IS NULL;

-- Documents changed at this store that the hub has not confirmed holding: they re-sync on connect, after a restart too.
ALTER TABLE sync_docs ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sync_docs_unconfirmed ON sync_docs (doc_id) WHERE unconfirmed = 1;
