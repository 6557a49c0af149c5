-- A coupon an order redeemed is given back when the order fails or is cancelled (issue #25 review): its redemption row
-- is kept as a tombstone (released, with a new revision) so every store hears it and drops its copy of the used coupon;
-- a later redemption takes the row again.
ALTER TABLE pricing_coupon_redemptions ADD COLUMN released boolean NOT NULL DEFAULT false;
