-- Skus this store counts with RFID (any sku ever read by a reader here): reconciliation compares only these, so an
-- untagged sku (loose fruit) is never "counted" as zero.
CREATE TABLE rfid_tracked_skus (
  sku TEXT PRIMARY KEY,
  first_read_at INTEGER NOT NULL
);
-- The latest drift report per zone run, for the handheld page and after a restart.
CREATE TABLE rfid_reports (
  id INTEGER PRIMARY KEY,
  report TEXT NOT NULL,
  at INTEGER NOT NULL
);
