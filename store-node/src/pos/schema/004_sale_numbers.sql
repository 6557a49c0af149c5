-- Numbers people read and type (#17): every sale gets `S001-03-00123` (store code, lane, per-lane sequence) when its
-- basket opens, so a voided basket keeps its number too and the numbers of a lane have no gaps. The sequence row is
-- bumped in the transaction that opens the basket (synchronous=FULL): a number is never given twice, even after a
-- power cut. Returns get their own sequence per lane (`S001-03-R00007`, the return slip). Sales from before this
-- migration have no number (NULL); the UUID stays every row's key.
CREATE TABLE pos_lane_sequences (
  lane INTEGER NOT NULL CHECK (lane BETWEEN 1 AND 99),
  kind TEXT NOT NULL CHECK (kind IN ('SALE', 'RETURN')),
  last INTEGER NOT NULL,
  PRIMARY KEY (lane, kind)
);
ALTER TABLE pos_baskets ADD COLUMN lane INTEGER;
ALTER TABLE pos_baskets ADD COLUMN number TEXT;
CREATE UNIQUE INDEX pos_baskets_by_number ON pos_baskets (number) WHERE number IS NOT NULL;
-- The lane's open basket, asked for when its page loads.
CREATE INDEX pos_baskets_by_lane ON pos_baskets (lane, opened_at);
ALTER TABLE sales ADD COLUMN lane INTEGER;
ALTER TABLE sales ADD COLUMN number TEXT;
CREATE UNIQUE INDEX sales_by_number ON sales (number) WHERE number IS NOT NULL;
ALTER TABLE sale_returns ADD COLUMN number TEXT;
CREATE UNIQUE INDEX sale_returns_by_number ON sale_returns (number) WHERE number IS NOT NULL;
