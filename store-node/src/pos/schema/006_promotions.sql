-- Prices and promotions at the lane (#25). The open basket keeps the coupon codes the cashier entered (a JSON array
-- of at most 5 codes, in the order given): each is verified again at every view and at the tender, so a code that
-- became used (another store's redemption heard meanwhile) is refused before it is charged.
ALTER TABLE pos_baskets ADD COLUMN coupons TEXT NOT NULL DEFAULT '[]';
-- A completed sale's lines keep what was charged: unit_price_minor is the effective unit price at the tender (a price
-- book's, a member's, else the catalog's), discount_minor what promotions took off the line, tax_minor the tax charged
-- on its net, promotions the line's promotions as JSON ([{promotionId, name, discountMinor, explanation}]) for the
-- receipt. Returns refund the line's net share from these, never more than was paid. Sales from before #25 have
-- discount 0, tax NULL (computed from the rate as before) and no promotions.
ALTER TABLE sale_lines ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);
ALTER TABLE sale_lines ADD COLUMN tax_minor INTEGER;
ALTER TABLE sale_lines ADD COLUMN promotions TEXT;
-- The sale's promotions ([{promotionId, name, discountMinor}]), the coupons it took ([{couponId, message}]) and the
-- pricing rules' revision it was priced with; NULL on sales from before #25 and on voided baskets.
ALTER TABLE sales ADD COLUMN promotions TEXT;
ALTER TABLE sales ADD COLUMN coupons TEXT;
ALTER TABLE sales ADD COLUMN rules_revision INTEGER;
