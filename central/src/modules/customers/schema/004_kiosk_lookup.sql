-- A customer opens their cart at a store's kiosk or lane with their loyalty card, phone number or email (never their
-- id). Every customer gets a card number (customers/loyalty-card.ts: "29", 13 random digits, a GS1 check digit);
-- existing customers get one here. A phone number is found by its last nine digits, so a number typed without its
-- country code still finds the customer who gave it with one.
ALTER TABLE customers ADD COLUMN loyalty_card text;
UPDATE customers c SET loyalty_card = n.body || ((10 - (
    SELECT sum(substr(n.body, i, 1)::int * CASE WHEN i % 2 = 1 THEN 3 ELSE 1 END) FROM generate_series(1, 15) i
  ) % 10) % 10)::text
FROM (SELECT id, '29' || lpad((floor(random() * 1e13))::bigint::text, 13, '0') AS body FROM customers) n
WHERE n.id = c.id;
CREATE UNIQUE INDEX customers_loyalty_card ON customers (loyalty_card);
CREATE INDEX customers_phone_end ON customers (right(regexp_replace(phone, '[^0-9]', '', 'g'), 9)) WHERE phone IS NOT NULL;
-- A store's look-ups that found nobody, as customer_email_refusals keeps refusals: one row per store, the times of its
-- misses inside the window, recorded by one conditional upsert; past the cap every look-up from that store gets 429.
CREATE TABLE customer_lookup_misses (
  store_id uuid PRIMARY KEY,
  misses bigint[] NOT NULL    -- epoch ms of the misses in the window, oldest first
);
