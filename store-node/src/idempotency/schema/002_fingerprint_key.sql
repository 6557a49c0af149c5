-- The node's own key for fingerprinting keyed requests (an HMAC, see shared keyedRequestFingerprint): request
-- fingerprints cover the whole body (pairing codes, PINs), and without the key a copy of idempotency_keys gives
-- nothing to test guesses against. One row, made on first use; it lives with the file so fingerprints survive restarts.
CREATE TABLE idempotency_fingerprint_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key TEXT NOT NULL
);
