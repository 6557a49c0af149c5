-- Sign-in attempts per limit key, replacing auth_failures (whose check and record were two steps, so a concurrent
-- burst passed the limit). One row per key holds the times of the attempts still inside the window; an attempt is
-- reserved, before any password is checked, by one conditional upsert on that row, which concurrent attempts take
-- in turn. A successful attempt is given back. Keys: user:<email>|<address> and ip:<address> for people,
-- store:<id>|<address> and store-ip:<address> for stores' credential exchanges (kept apart, so people's failures
-- never lock a store out).
CREATE TABLE sign_in_attempts (
  key text PRIMARY KEY,
  attempts bigint[] NOT NULL    -- epoch ms of the attempts in the window, oldest first
);

DROP TABLE auth_failures;       -- created by core/001 for sign-in limits only; its rows are limits that lapse anyway
