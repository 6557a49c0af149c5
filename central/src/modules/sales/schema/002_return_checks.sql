-- A return is checked against its sale before it counts (#15): same currency, no more of a sku than the sale sold,
-- refunds never past what the sale took. One whose sale the hub does not hold yet waits as PENDING (not in the daily
-- totals); when its sale arrives it is checked then and becomes COUNTED (added to its own day) or REFUSED (kept, with
-- the reason, and shown with the sale). A return refused on arrival, its sale known, is parked instead (never here).
-- Returns held before this migration were counted on arrival: they stay COUNTED.
ALTER TABLE sale_returns
  ADD COLUMN status text NOT NULL DEFAULT 'COUNTED' CHECK (status IN ('COUNTED', 'PENDING', 'REFUSED')),
  ADD COLUMN refused_reason text;
-- What a sale's arrival looks up: the store's returns still waiting for it.
CREATE INDEX sale_returns_pending ON sale_returns (store_id, sale_id) WHERE status = 'PENDING';
