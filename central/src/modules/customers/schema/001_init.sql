-- One profile per customer across web, app and stores: enough to own a cart and orders, and to be found at a lane.
CREATE TABLE customers (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  email text,                      -- lower-cased; unique when present
  phone text,
  preferred_store_id uuid,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email IS NOT NULL;
