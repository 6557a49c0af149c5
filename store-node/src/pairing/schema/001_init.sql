-- Devices on the store's network (handhelds) paired with this node, and the one-time codes that pair them. Only
-- hashes of codes and tokens are kept.
CREATE TABLE paired_devices (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  paired_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE pairing_codes (
  code_hash TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
