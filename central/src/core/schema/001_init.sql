-- Hub-wide plumbing shared by every module.

-- First answers to write requests that carried an Idempotency-Key (see core/idempotency).
CREATE TABLE idempotency_keys (
  scope text NOT NULL,            -- who asked: store:<id>, user:<id> or anonymous
  key text NOT NULL,
  request_hash text NOT NULL,     -- method + path + body, to refuse the same key for another request
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  status int,
  content_type text,
  body text,
  created_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Secrets every hub replica must agree on (token signing keys); created once by whichever replica starts first.
CREATE TABLE hub_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at bigint NOT NULL
);

-- Failed sign-ins per key (user+ip, store+ip, ip) for rate limiting across replicas.
CREATE TABLE auth_failures (
  key text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX auth_failures_key_at ON auth_failures (key, at);
