-- Issue #17. The order a hold is for, by the number people type (`SF-10482`), so the store's pickup desk can show and
-- search it; null for a hold reserved on its own (the reservations API).
ALTER TABLE reservations ADD COLUMN order_number text;
-- The hold's typed pickup code (`K7M-4QH`), kept only as the store's keyed hash (the code itself is derived from the
-- hub's key and the hold's id when the customer asks for it). Unique among the store's open holds, so a typed code names
-- one hold; holds granted before this migration have none (their QR still works).
ALTER TABLE reservations ADD COLUMN pickup_code_hash text;
CREATE UNIQUE INDEX reservations_open_code ON reservations (store_id, pickup_code_hash)
  WHERE status IN ('HELD', 'CONFIRMED') AND pickup_code_hash IS NOT NULL;
