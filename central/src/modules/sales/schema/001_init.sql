-- The fleet's sales ledger, from the stores' `sale.completed`, `sale.voided` and `sale.returned` events. A sale is
-- keyed by the store that rang it up and the store's sale id: the first event for an id wins, a resend (the same
-- sale under another seq, from a restored store file) changes nothing. `day` is the store's local day of closed_at
-- (its locations.timezone when the event was applied).
CREATE TABLE sales (
  store_id uuid NOT NULL,
  sale_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('COMPLETED', 'VOIDED')),
  lane text,
  currency text NOT NULL,
  opened_at bigint NOT NULL,
  closed_at bigint NOT NULL,               -- paid, or voided
  day date NOT NULL,
  subtotal_minor bigint NOT NULL,          -- 0 for a voided basket
  tax_minor bigint NOT NULL,
  total_minor bigint NOT NULL,
  lines jsonb NOT NULL,
  tenders jsonb NOT NULL,                  -- [] for a voided basket
  voided_card_reference text,
  origin_seq bigint NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (store_id, sale_id)
);
-- Head office looks a sale up by its id alone (ids are UUIDv7 at the store).
CREATE INDEX sales_sale_id ON sales (sale_id);

-- Returns, keyed by the store's return id. No foreign key to sales: a return can arrive before its sale (the sale's
-- event parked at the hub, or a store's events replayed out of order) and still counts on its own day.
CREATE TABLE sale_returns (
  store_id uuid NOT NULL,
  return_id text NOT NULL,
  sale_id text NOT NULL,
  currency text NOT NULL,
  at bigint NOT NULL,
  day date NOT NULL,
  refund_minor bigint NOT NULL,
  lines jsonb NOT NULL,
  refund jsonb NOT NULL,
  origin_seq bigint NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (store_id, return_id)
);
-- A sale's returns, asked by its id (head office, or a store with its store_id as a filter).
CREATE INDEX sale_returns_sale ON sale_returns (sale_id);

-- Daily totals per store, local day and currency, kept in the transaction that adds to the ledger, so reading them
-- never scans the ledger. Net = gross - refunds (both include tax).
CREATE TABLE sales_daily (
  store_id uuid NOT NULL,
  day date NOT NULL,
  currency text NOT NULL,
  sales_count bigint NOT NULL DEFAULT 0,
  gross_minor bigint NOT NULL DEFAULT 0,
  tax_minor bigint NOT NULL DEFAULT 0,
  returns_count bigint NOT NULL DEFAULT 0,
  returns_minor bigint NOT NULL DEFAULT 0,
  voids_count bigint NOT NULL DEFAULT 0,
  updated_at bigint NOT NULL,
  PRIMARY KEY (store_id, day, currency)
);
CREATE INDEX sales_daily_day ON sales_daily (day DESC, store_id);
