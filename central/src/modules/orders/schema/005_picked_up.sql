-- Issue #15: an order follows its pickup. A store's hand-over completes it (PICKED_UP, when by the store's clock and
-- at which store) and its authorised payment is captured after; the flows that follow a hold find its order by the
-- hold's id.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED', 'PICKED_UP'));
ALTER TABLE orders ADD COLUMN picked_up_at bigint;
ALTER TABLE orders ADD COLUMN picked_up_store_id uuid;
ALTER TABLE orders ADD COLUMN payment_captured_at bigint;
CREATE INDEX orders_reservation ON orders (reservation_id);
-- What the capture runner looks for.
CREATE INDEX orders_capture_due ON orders (picked_up_at) WHERE status = 'PICKED_UP' AND payment_captured_at IS NULL;
