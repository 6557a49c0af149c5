-- Staff at the lane (#27). Who served a sale: the person signed in at the lane when the basket opened, replaced by
-- the one who takes the payment (the receipt's "Served by"); NULL when nobody signs in at this store (STAFF_SIGN_IN
-- off, no roster yet) and on sales from before #27. The name is kept as it was then: a person renamed or taken off the
-- roster later does not change an old receipt.
ALTER TABLE pos_baskets ADD COLUMN cashier_user_id TEXT;
ALTER TABLE pos_baskets ADD COLUMN cashier_name TEXT;
ALTER TABLE sales ADD COLUMN cashier_user_id TEXT;
ALTER TABLE sales ADD COLUMN cashier_name TEXT;
-- A price override on an open basket's line (a manager's PIN): its unit price from now on, whatever the price books or
-- promotions say, and why. NULL: the line is priced as usual. A completed sale's line keeps the reason (its
-- unit_price_minor is the override already), so a reprinted receipt still marks it.
ALTER TABLE pos_basket_lines ADD COLUMN override_price_minor INTEGER CHECK (override_price_minor IS NULL OR override_price_minor >= 0);
ALTER TABLE pos_basket_lines ADD COLUMN override_reason TEXT;
ALTER TABLE sale_lines ADD COLUMN override_reason TEXT;
