-- The first answer to each write that carried an Idempotency-Key, per caller (the lane, the kiosk, a paired
-- device), so a retry gets it back instead of a second sale. A row is 'pending' while the first request runs. Answers
-- that carried a one-time secret (a device token) are kept only as a note that it was given. Purged after a day.
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  status INTEGER,
  content_type TEXT,
  body TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
