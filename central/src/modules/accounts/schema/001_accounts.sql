-- Customers' own accounts (issue #26): how a customer signs in on the web or in the app. The profile (name, phone,
-- preferred store, loyalty card) is the customers module's; this is only the credential and its sessions.
CREATE TABLE customer_accounts (
  customer_id uuid PRIMARY KEY,
  email text,                        -- the sign-in name, lower-cased; null for a guest
  password_hash text,                -- scrypt; null for a guest, or an account made by a one-time code
  guest boolean NOT NULL,
  created_at bigint NOT NULL,
  last_sign_in_at bigint
);
CREATE UNIQUE INDEX customer_accounts_email ON customer_accounts (email) WHERE email IS NOT NULL;

-- One row per signed-in device; only the token's SHA-256 is kept (a copy of the table signs nobody in).
CREATE TABLE customer_sessions (
  id uuid PRIMARY KEY,
  customer_id uuid NOT NULL REFERENCES customer_accounts (customer_id),
  token_hash text NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  ended_at bigint
);
CREATE INDEX customer_sessions_customer ON customer_sessions (customer_id) WHERE ended_at IS NULL;

-- One-time sign-in codes (6 digits) and password-reset tokens, hashed; a code allows a few wrong tries.
CREATE TABLE customer_one_time_secrets (
  id uuid PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('sign-in', 'reset')),
  email text NOT NULL,
  secret_hash text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  used_at bigint
);
CREATE INDEX customer_one_time_secrets_email ON customer_one_time_secrets (email, purpose, created_at);
CREATE UNIQUE INDEX customer_one_time_secrets_hash ON customer_one_time_secrets (secret_hash);

-- Mail to customers waits here until a job hands it to the sender; the body (it holds a code or a link) is erased
-- once sent, so only the queue's state stays.
CREATE TABLE customer_email_outbox (
  id uuid PRIMARY KEY,
  to_email text NOT NULL,
  subject text NOT NULL,
  body text,
  state text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  created_at bigint NOT NULL,
  sent_at bigint
);
CREATE INDEX customer_email_outbox_queued ON customer_email_outbox (created_at) WHERE state = 'queued';

-- Sign-in, code and guest attempts under their limit keys (e-mail, client address), pruned past the longest window.
CREATE TABLE customer_sign_in_attempts (
  key text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX customer_sign_in_attempts_key ON customer_sign_in_attempts (key, at);
