-- Scan & Go (issue #25, lane F): a customer's shopping session at a store over their cart document (`cart:<id>`, its
-- fulfilment PICKUP at the store), paid in the app, and the exits the stores' doors report.
--
-- status: SHOPPING → CHARGING (recorded before the payment provider is asked; the payment's key is the session id)
-- → PAID (in one transaction with the coupons redeemed, the store's `scango.paid` feed entry and the exit token), or
-- back to SHOPPING when the card is declined; SHOPPING → CANCELLED. A CHARGING session the provider did not answer
-- is settled by the `pricing.scan-go-settle` job.
CREATE TABLE scan_go_sessions (
  id uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  store_id uuid NOT NULL REFERENCES locations (id),
  status text NOT NULL CHECK (status IN ('SHOPPING', 'CHARGING', 'PAID', 'CANCELLED')),
  -- What is being charged (the priced basket at checkout, JSON) and the sale the store records it as.
  charging jsonb,
  sale_id uuid,
  currency text,
  total_minor bigint,
  item_count int,
  payment_ref text,
  exit_token text,
  audit boolean,
  charging_since bigint,
  paid_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- One open session per customer (a second open returns it).
CREATE UNIQUE INDEX scan_go_sessions_open ON scan_go_sessions (customer_id) WHERE status IN ('SHOPPING', 'CHARGING');
CREATE INDEX scan_go_sessions_charging ON scan_go_sessions (charging_since) WHERE status = 'CHARGING';
CREATE INDEX scan_go_sessions_store ON scan_go_sessions (store_id, created_at);

-- What the doors reported (`scango.exited`): one row per session, outcome and time, so a repeated event adds nothing.
CREATE TABLE scan_go_exits (
  session_id uuid NOT NULL,
  store_id uuid NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('PASSED', 'AUDITED', 'REFUSED')),
  at bigint NOT NULL,
  refusal text,
  counted int,
  matched boolean,
  recorded_at bigint NOT NULL,
  PRIMARY KEY (session_id, outcome, at)
);
CREATE INDEX scan_go_exits_store ON scan_go_exits (store_id, at);
