-- The store's copy of the hub's tags (issue #20), for filtering the kiosk and the handheld by tag offline. Rows come
-- from the hub's `tags` section (tag rows and product rows, oldest version first), pulled whenever a `tags.changed`
-- notice in the feed names a version past the one held. A tag deleted at the hub stays here as a tombstone.
CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_id INTEGER,
  path TEXT NOT NULL,               -- slugs from the root, dot-separated: electronics.mobile.smartphones
  deleted INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX tags_live_slug ON tags (slug) WHERE deleted = 0;
CREATE INDEX tags_live_path ON tags (path) WHERE deleted = 0;

-- The tags given to each product (not their ancestors: those are implied when filtering).
CREATE TABLE product_tags (
  sku TEXT NOT NULL,
  tag_id INTEGER NOT NULL,
  PRIMARY KEY (sku, tag_id)
) WITHOUT ROWID;
CREATE INDEX product_tags_by_tag ON product_tags (tag_id, sku);

-- The hub's version of each product's tags, so a row older than the one applied is skipped.
CREATE TABLE product_tag_versions (
  sku TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;

-- Where the copy stands: every change up to `version` is applied; `wanted` is the newest version a notice named;
-- `cursor` is the hub's position inside a pull not finished yet (null between pulls), `seen` the newest row version
-- that pull applied; `pulled` is 0 until the first pull completes (a cold start pulls from version 0).
CREATE TABLE tags_sync (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  wanted INTEGER NOT NULL,
  cursor TEXT,
  seen INTEGER NOT NULL,
  pulled INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO tags_sync (id, version, wanted, cursor, seen, pulled, updated_at) VALUES (1, 0, 0, NULL, 0, 0, 0);
