-- Orders and their saga state. A runner owns an order while lease_until is in the future; a hub that dies leaves
-- the lease to expire and any replica resumes the saga from `step` (or its pending compensations).
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  place_key text NOT NULL UNIQUE,           -- the client's key for `place`: the same place twice is one order
  status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'COMPENSATING', 'FAILED', 'CANCELLED')),
  step text NOT NULL,                       -- the next step while PENDING (RESERVE … CONFIRM, DONE)
  compensations jsonb NOT NULL DEFAULT '[]', -- still to run while COMPENSATING, in order
  end_status text,                          -- FAILED or CANCELLED once compensations are done
  fulfilment jsonb NOT NULL,                -- { type, storeId, locationId, parkingSpot, checkedInAt }
  lines jsonb NOT NULL,
  from_cart boolean NOT NULL,
  subtotal_minor bigint NOT NULL,
  tax_minor bigint NOT NULL,
  total_minor bigint NOT NULL,
  currency text NOT NULL,
  reservation_id uuid,                      -- written before the hold is asked for (found again after a crash)
  payment_attempted boolean NOT NULL DEFAULT false,
  payment_ref text,
  fulfilment_ref text,
  failure text,
  lease_until bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX orders_active ON orders (lease_until) WHERE status IN ('PENDING', 'COMPENSATING');
CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);

-- The timeline of each order: every step, compensation and customer action.
CREATE TABLE order_events (
  order_id uuid NOT NULL REFERENCES orders (id),
  seq int NOT NULL,
  at bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb,
  PRIMARY KEY (order_id, seq)
);
