-- The store whose lane or kiosk placed the order (null when the web, an app or head office placed it). An order
-- belongs to its customer, to the store that fulfils it and to the store that placed it: those stores read, cancel
-- and check it in; to any other store it is missing.
ALTER TABLE orders ADD COLUMN placed_store_id uuid;
