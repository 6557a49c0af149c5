-- The customer's loyalty card shown at the lane (#21), kept with the open basket so a restart keeps it like the basket
-- itself; sent whole only on the sale's `sale.completed` event. The check digit is checked before it is written
-- (customer-card.ts); the CHECK keeps anything but 16 digits starting 29 out of the file.
ALTER TABLE pos_baskets ADD COLUMN customer_card TEXT
  CHECK (customer_card IS NULL OR (length(customer_card) = 16 AND customer_card GLOB '29[0-9]*' AND customer_card NOT GLOB '*[^0-9]*'));
-- A completed sale keeps only the card's last four digits: enough to print "card ending 1234" on a reprinted receipt,
-- not enough to be a card number.
ALTER TABLE sales ADD COLUMN customer_card_last4 TEXT
  CHECK (customer_card_last4 IS NULL OR (length(customer_card_last4) = 4 AND customer_card_last4 NOT GLOB '*[^0-9]*'));
