-- Orders priced through the pricing module (issue #25): what promotions took off the order, which ones, and the
-- coupons it redeemed. Each line's discount is kept in its `lines` JSON (`discountMinor`); orders placed before keep
-- 0 and empty lists (their lines had no discount).
ALTER TABLE orders ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN promotions jsonb NOT NULL DEFAULT '[]';
ALTER TABLE orders ADD COLUMN coupons jsonb NOT NULL DEFAULT '[]';
