-- Issue #17: every order has a short number people can read out and type (`SF-10482`), from a sequence; the UUID stays
-- the internal id. Orders placed before this migration are numbered in the order they were placed, and the sequence
-- goes on after them. Numbers are never reused (a sequence does not roll back), so a gap is an order that failed to
-- insert, not a lost one.
CREATE SEQUENCE order_number_seq START WITH 10001;
ALTER TABLE orders ADD COLUMN order_number text;
WITH numbered AS (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM orders)
UPDATE orders o SET order_number = 'SF-' || (10000 + numbered.n) FROM numbered WHERE numbered.id = o.id;
SELECT setval('order_number_seq', 10000 + (SELECT count(*) FROM orders) + 1, false);
ALTER TABLE orders ALTER COLUMN order_number SET DEFAULT 'SF-' || nextval('order_number_seq');
ALTER TABLE orders ALTER COLUMN order_number SET NOT NULL;
CREATE UNIQUE INDEX orders_number ON orders (order_number);
