-- The store's door keys (issue #25): one per hub signing key, sent only to this store on its store-rules pages, so the
-- Scan & Go door reads the audit decision sealed in an exit token (shared/src/pricing/signing.ts `exitDoorKey`).
-- Kept by key id (a page replaces the key it names, never drops one it does not name: another hub may sign with it).
CREATE TABLE pricing_door_keys (
  key_id TEXT PRIMARY KEY,
  door_key TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
