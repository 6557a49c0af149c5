-- Curbside: the customer's "I'm here" from the app, with the parking spot, for the associate who walks out.
ALTER TABLE bopis_reservations ADD COLUMN order_id TEXT;
ALTER TABLE bopis_reservations ADD COLUMN parking_spot TEXT;
ALTER TABLE bopis_reservations ADD COLUMN arrived_at INTEGER;
