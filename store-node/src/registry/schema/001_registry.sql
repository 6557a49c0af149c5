-- Releases this store runs (issue #23), from the hub's `registry.release` feed entries: the newest entry per track
-- (by changeSeq) and where this node is with it; its manifests and blobs are files named by digest in the node's
-- registry folder (<data>/<name>-registry/blobs/sha256/<hex>), checked against their digest before they are kept.
CREATE TABLE registry_releases (
  track TEXT PRIMARY KEY,
  release_id TEXT NOT NULL,
  -- the newest entry applied: an older one (late, or replayed from the parked feed) is ignored
  change_seq INTEGER NOT NULL,
  repository TEXT NOT NULL,
  tag TEXT NOT NULL,
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  note TEXT NOT NULL,
  withdrawn INTEGER NOT NULL,
  announced_at INTEGER NOT NULL,
  -- PENDING (not begun), DOWNLOADING, VERIFIED, RUNNING, FAILED
  state TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  bytes INTEGER NOT NULL DEFAULT 0,
  -- failed pulls of this release, and not before when to try again
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try_at INTEGER NOT NULL DEFAULT 0,
  -- the `at` of the last report sent for the track: each report's is later, so the hub keeps them in order
  reported_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The release of each track this node runs: the newest one it verified (kept when a newer one fails or is withdrawn).
CREATE TABLE registry_running (
  track TEXT PRIMARY KEY,
  release_id TEXT NOT NULL,
  repository TEXT NOT NULL,
  tag TEXT NOT NULL,
  digest TEXT NOT NULL,
  since INTEGER NOT NULL
) WITHOUT ROWID;

-- Manifests on this node (their bytes are the blob file of their digest), per repository: the pull-through cache's.
CREATE TABLE registry_manifests (
  repository TEXT NOT NULL,
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (repository, digest)
) WITHOUT ROWID;

CREATE TABLE registry_tags (
  repository TEXT NOT NULL,
  tag TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (repository, tag)
) WITHOUT ROWID;
