CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,                -- stored lower-case
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('ADMIN', 'STORE_MANAGER', 'ASSOCIATE')),
  store_id uuid,                             -- required for STORE_MANAGER and ASSOCIATE
  password_hash text NOT NULL,               -- scrypt$N$r$p$salt$hash
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  CHECK (role = 'ADMIN' OR store_id IS NOT NULL)
);

-- Console sessions. Only a SHA-256 of the token is kept, so a database leak yields no usable session.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
