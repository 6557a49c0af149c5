-- Scan & Go (issue #25): each checkout attempt of a session is its own payment, and a session's coupons are held
-- while it is paid for.
--
-- attempt: counted up in the same write that takes the session to CHARGING; the payment's key is
-- `<session id>:<attempt>`, so after a decline or a voided payment the next attempt is a new payment (a provider keyed by
-- idempotency key would otherwise replay the first answer forever). 0: a session charged before this column, whose
-- key was the session id alone.
ALTER TABLE scan_go_sessions ADD COLUMN attempt int NOT NULL DEFAULT 0;

-- The coupons a CHARGING session is paying with, held in the transaction that starts the charge: a second checkout
-- (another session) naming one is refused (409) before anything is charged. A hold ends when the session is PAID
-- (the coupon is then redeemed), or goes back to SHOPPING (declined, voided), or is cancelled.
CREATE TABLE scan_go_coupon_holds (
  coupon_id text PRIMARY KEY,
  session_id uuid NOT NULL,
  sale_id uuid NOT NULL,
  held_at bigint NOT NULL
);
CREATE INDEX scan_go_coupon_holds_session ON scan_go_coupon_holds (session_id);
