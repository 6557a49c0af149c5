-- Cold start from the hub, section by section; `cursor` is the last key applied, so a broken bootstrap resumes.
CREATE TABLE sync_bootstrap (
  section TEXT PRIMARY KEY,
  cursor TEXT,
  rows INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
INSERT INTO sync_state (key, value) VALUES ('bootstrap_done', 0);

-- This store's own events as the hub holds them (the last days), for audit and reports after a disk replacement.
CREATE TABLE sync_history (
  seq INTEGER PRIMARY KEY,
  hlc TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
