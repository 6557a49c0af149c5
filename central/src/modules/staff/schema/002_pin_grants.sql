-- PINs the hub generated, one row each (never the PIN): at most 5 for one person within an hour, so nobody makes the
-- hub spend its scrypt time (each new PIN is compared with every other PIN of the store) by asking again and again.
-- Rows older than an hour are removed when the person gets their next one.
CREATE TABLE staff_pin_grants (
  user_id uuid NOT NULL,
  at bigint NOT NULL,
  by_user_id uuid NOT NULL
);
CREATE INDEX staff_pin_grants_user_at ON staff_pin_grants (user_id, at);
