-- Facts about this node: which store it is, the hub it belongs to, and later sync cursors.
CREATE TABLE node_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
