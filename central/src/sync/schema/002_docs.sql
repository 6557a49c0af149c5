-- Automerge documents at the hub as append-only chunks: incremental saves from any replica, merged on load; a
-- compaction replaces a document's chunks with one snapshot.
CREATE TABLE sync_doc_chunks (
  doc_id text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  data bytea NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (doc_id, seq)
);
