-- What each store last reported of its disk (issue #14): full since a local write failed for lack of space, until a
-- write succeeded again; the failure's words; when the store said so (store clock) and when the hub heard it.
CREATE TABLE sync_store_disk (
  store_id uuid PRIMARY KEY,
  disk_full boolean NOT NULL,
  changed_at bigint NOT NULL,
  reason text,
  reported_at bigint NOT NULL
);
