-- Issue #15: a real notice sender. One that refuses a notice (a 4xx: a bad address, a customer who opted out) will
-- refuse it again, so the notice is marked failed (failed_at, and why in last_error) and no drain sends it again; a
-- sender that is down or slow (5xx, timeout) leaves it unsent for the next drain, as before.
ALTER TABLE customer_notifications ADD COLUMN failed_at bigint;
