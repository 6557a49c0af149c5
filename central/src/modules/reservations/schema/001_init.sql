-- Holds on a store's stock for an online order (BOPIS). Units are counted in inventory_stock.reserved, moved by the
-- inventory module's holds service in the same transaction as these rows.
CREATE TABLE reservations (
  id uuid PRIMARY KEY,
  store_id uuid NOT NULL,
  customer_ref text NOT NULL,
  status text NOT NULL CHECK (status IN ('HELD', 'CONFIRMED', 'RELEASED', 'EXPIRED', 'FULFILLED')),
  lines jsonb NOT NULL,          -- [{ "sku": …, "qty": … }], fixed at creation
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'HELD';
CREATE INDEX reservations_store ON reservations (store_id, created_at DESC);
