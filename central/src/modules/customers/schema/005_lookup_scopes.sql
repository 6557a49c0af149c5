-- Issue #17, what a hostile caller found. A kiosk look-up links the store to the customer for their cart only: the
-- link says so ('lookup'), and the profile route shows a customer only to stores linked another way (a sign-up, an
-- order; a later order upgrades a look-up link). Checksummed card numbers that find nobody get their own budget
-- beside the phone and e-mail misses (a valid card is not enumeration of phone numbers).
ALTER TABLE customer_stores DROP CONSTRAINT customer_stores_via_check;
ALTER TABLE customer_stores ADD CONSTRAINT customer_stores_via_check CHECK (via IN ('sign-up', 'order', 'cart', 'lookup'));
ALTER TABLE customer_lookup_misses ALTER COLUMN misses SET DEFAULT '{}';
ALTER TABLE customer_lookup_misses ADD COLUMN card_misses bigint[] NOT NULL DEFAULT '{}';
