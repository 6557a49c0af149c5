-- Issue #17, the pickup desk. The order the hold is for, by the number people type (`SF-10482`); when the hub granted
-- the hold (its date and time on the desk's list); the typed pickup code as the hub's store-keyed hash only (the code
-- is never stored in clear), and the wrong codes typed against this hold: at 5 its typed entry locks (the QR still
-- verifies).
ALTER TABLE bopis_reservations ADD COLUMN order_number TEXT;
ALTER TABLE bopis_reservations ADD COLUMN created_at INTEGER;
ALTER TABLE bopis_reservations ADD COLUMN code_hash TEXT;
ALTER TABLE bopis_reservations ADD COLUMN code_tries INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bopis_reservations_order_number ON bopis_reservations (order_number);
CREATE INDEX bopis_reservations_code_hash ON bopis_reservations (code_hash);
