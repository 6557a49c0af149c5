-- The plain order saga of `npm run bench -- orders` (its anchor): its own stock, holds, orders and timelines.
CREATE TABLE plain_stock (
  location_id uuid NOT NULL,
  sku text NOT NULL,
  on_hand bigint NOT NULL,
  reserved bigint NOT NULL DEFAULT 0,
  safety bigint NOT NULL DEFAULT 0,
  updated_at bigint NOT NULL,
  PRIMARY KEY (location_id, sku)
);
CREATE TABLE plain_holds (
  id uuid PRIMARY KEY,
  location_id uuid NOT NULL,
  customer_ref text NOT NULL,
  status text NOT NULL,
  lines jsonb NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE plain_orders (
  id uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  place_key text NOT NULL UNIQUE,
  placed_store_id uuid,
  status text NOT NULL,
  step text NOT NULL,
  fulfilment jsonb NOT NULL,
  location_id uuid,
  lines jsonb NOT NULL,
  total_minor bigint NOT NULL,
  currency text NOT NULL,
  hold_id uuid,
  payment_ref text,
  fulfilment_ref text,
  failure text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE plain_order_events (
  order_id uuid NOT NULL,
  seq int NOT NULL,
  at bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb,
  PRIMARY KEY (order_id, seq)
);
