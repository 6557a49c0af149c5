-- Which stores may see a customer besides head office: the store that signed them up, a store where an order of
-- theirs was placed or is fulfilled, and a store that has worked on their cart. A store reads and edits only the
-- customers linked to it; every other customer is missing to it (a 404, as for an id that does not exist).
CREATE TABLE customer_stores (
  store_id uuid NOT NULL,
  customer_id uuid NOT NULL REFERENCES customers (id),
  via text NOT NULL CHECK (via IN ('sign-up', 'order', 'cart')),  -- how the store first met the customer
  linked_at bigint NOT NULL,
  PRIMARY KEY (store_id, customer_id)
);
