-- Open baskets on disk (#14): a store node killed mid-scan or mid-tender brings every lane back to where it was.
-- A basket leaves these tables in the transaction that writes its sale (completed or voided) to `sales`.
CREATE TABLE pos_baskets (
  sale_id TEXT PRIMARY KEY,
  opened_at INTEGER NOT NULL,
  -- AUTHORISING: the card terminal was asked for `tender_amount_minor` and its answer is not recorded yet. Written
  -- before the terminal is asked, so a restart knows to ask the terminal what became of this sale.
  tender_state TEXT NOT NULL DEFAULT 'NONE' CHECK (tender_state IN ('NONE', 'AUTHORISING')),
  tender_amount_minor INTEGER,
  tender_started_at INTEGER,
  -- What the cashier must be told about this basket (e.g. how a tender interrupted by a restart ended), or NULL.
  note TEXT
);

CREATE TABLE pos_basket_lines (
  sale_id TEXT NOT NULL REFERENCES pos_baskets (sale_id) ON DELETE CASCADE,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  tax_class TEXT NOT NULL,
  unit_price_minor INTEGER NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  PRIMARY KEY (sale_id, sku)
);
