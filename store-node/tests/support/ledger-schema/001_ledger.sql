-- Test-only hub module: what the hub applied from each store's `test.sale` events.
CREATE TABLE test_ledger (
  origin uuid NOT NULL,
  seq bigint NOT NULL,
  hlc text NOT NULL,
  qty int NOT NULL,
  PRIMARY KEY (origin, seq)
);
-- A counter updated per event, as a stock counter would be: doubles would show here.
CREATE TABLE test_totals (
  origin uuid PRIMARY KEY,
  qty bigint NOT NULL
);
