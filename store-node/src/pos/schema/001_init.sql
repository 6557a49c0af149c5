CREATE TABLE sales (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('OPEN', 'COMPLETED', 'VOIDED')),
  currency TEXT NOT NULL,
  subtotal_minor INTEGER NOT NULL DEFAULT 0,
  tax_minor INTEGER NOT NULL DEFAULT 0,
  total_minor INTEGER NOT NULL DEFAULT 0,
  tender_kind TEXT,
  tender_ref TEXT,
  cash_given_minor INTEGER,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER
);

CREATE TABLE sale_lines (
  sale_id TEXT NOT NULL REFERENCES sales (id),
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  tax_class TEXT NOT NULL,
  unit_price_minor INTEGER NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  PRIMARY KEY (sale_id, sku)
);

CREATE TABLE sale_returns (
  id TEXT PRIMARY KEY,
  sale_id TEXT NOT NULL REFERENCES sales (id),
  refund_minor INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE sale_return_lines (
  return_id TEXT NOT NULL REFERENCES sale_returns (id),
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  refund_minor INTEGER NOT NULL,
  PRIMARY KEY (return_id, sku)
);
