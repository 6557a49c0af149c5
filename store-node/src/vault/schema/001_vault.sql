-- The documents this store's staff may read (issue #22), from the hub's `vault.doc` / `vault.doc-removed` feed
-- entries: metadata at once; the content is fetched on first open (or at once for `offline` documents) into the node's
-- content cache (files named by document id), checked against `sha256` before it is kept.
CREATE TABLE vault_docs (
  document_id TEXT PRIMARY KEY,
  -- the newest entry applied: an older one (a late or replayed entry) is ignored
  change_seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  -- JSON array of folder names, the root's child first
  path TEXT NOT NULL,
  tags TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  version_id TEXT NOT NULL,
  version_no INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  offline INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- the version whose checked bytes are in the cache (null: none yet)
  cached_version_id TEXT,
  cached_at INTEGER,
  -- the prefetch's retries of an offline document: how many failed, and not before when to try again
  fetch_failures INTEGER NOT NULL DEFAULT 0,
  next_fetch_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Documents removed, with the removal's changeSeq: a `vault.doc` older than the removal (late, or replayed from the
-- parked feed) does not bring it back.
CREATE TABLE vault_removed (
  document_id TEXT PRIMARY KEY,
  change_seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  removed_at INTEGER NOT NULL
) WITHOUT ROWID;
