-- Sign-in, code, mail and guest attempts become one row per limit key (review of #26, finding 6). The first table
-- kept a row per attempt, counted them, then inserted: two steps, so a concurrent burst was checked against the
-- limit before any of it was recorded (12 checked against 10 per e-mail). Now an attempt is reserved by one
-- conditional upsert on its key's row, which concurrent attempts take in turn (as staff sign-ins' sign_in_attempts).
-- Its rows are limits that lapse within the hour anyway, so none is carried over.
DROP TABLE customer_sign_in_attempts;
CREATE TABLE customer_sign_in_attempts (
  key text PRIMARY KEY,         -- email:<e-mail>, mail:<e-mail>, ip:<address>, new:<address>
  attempts bigint[] NOT NULL    -- epoch ms of the attempts still inside the key's window, oldest first
);
