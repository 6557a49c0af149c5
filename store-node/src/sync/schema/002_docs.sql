-- Automerge documents this store has open (carts at its lanes, shared task lists): the whole saved document.
CREATE TABLE sync_docs (
  doc_id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);
