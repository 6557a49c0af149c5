-- Prices and promotions (#25). A completed sale keeps what promotions took off it (the sum of its lines'
-- `discountMinor`; each line's own stays in `lines`), the promotions applied ([{promotionId, name, discountMinor}])
-- and the pricing rules' revision the store priced it with. Sales from before #25, and voided baskets, took nothing
-- off: 0 and NULL. Scan & Go sales arrive as `sale.completed` with an APP tender (kept in `tenders` like the others).
ALTER TABLE sales
  ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0,
  ADD COLUMN promotions jsonb,
  ADD COLUMN rules_revision bigint;
-- The days' totals add the discounts given (gross stays what was charged, tax included; net = gross - refunds).
ALTER TABLE sales_daily ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0;
