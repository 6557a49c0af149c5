-- The vault's store feed (modules/vault/store-feed.ts): which nodes changed since the feed last looked, what each store
-- was last sent (a fingerprint of it), which stores have had their full list, and the views stores reported.

-- Marked in the transaction of a change (`VaultStoreFeed.changed`); a run clears the marks it read, so a node marked
-- again while the run worked keeps its newer mark and is looked at again.
CREATE SEQUENCE vault_store_dirty_seq;
CREATE TABLE vault_store_dirty (
  node_id uuid PRIMARY KEY,
  marked bigint NOT NULL
);

-- What the store was sent, apart from its changeSeq: a document whose path, name, tags or version moved on is sent
-- again even when the change was to a folder above it (the document's own change_seq did not move).
ALTER TABLE vault_store_docs ADD COLUMN fingerprint text NOT NULL DEFAULT '';

-- The changeSeq of every `vault.doc` / `vault.doc-removed` entry: taken under the feed's lock, so a later entry for a
-- document always has a higher number; kept at least the hub clock × 1000, so a hub restored from an older backup
-- still sends numbers above the ones its stores kept.
CREATE SEQUENCE vault_store_feed_seq;

-- One row: the lock every batch of the store feed takes, so two runs never interleave their view of a store.
CREATE TABLE vault_store_feed_lock (id int PRIMARY KEY CHECK (id = 1));
INSERT INTO vault_store_feed_lock (id) VALUES (1);

-- Stores that have had their full list (a store registered later gets it on the next run).
CREATE TABLE vault_store_synced (
  store_id uuid PRIMARY KEY,
  synced_at bigint NOT NULL
);

-- `vault.viewed` events already audited: a store that resends one counts once.
CREATE TABLE vault_store_views (
  store_id uuid NOT NULL,
  view_id text NOT NULL,
  seen_at bigint NOT NULL,
  PRIMARY KEY (store_id, view_id)
);
