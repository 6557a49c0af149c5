-- The name the store's pickup list shows: kept on the order, so a saga resumed after a crash asks for the hold under
-- the customer's name too.
ALTER TABLE orders ADD COLUMN customer_name text NOT NULL DEFAULT '';
