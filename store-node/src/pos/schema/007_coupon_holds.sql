-- A card tender's coupons and priced basket (#25 review). From the moment a card tender starts (AUTHORISING) the
-- basket keeps what the terminal was asked for, priced (`tender_priced`, the PricedBasket as JSON): the sale completes
-- with exactly that, even after a restart under newer rules. The coupons it applied are held (`pos_coupon_holds`):
-- another lane's basket refuses them until the tender ends (the basket reopens: released; the sale is recorded: the
-- coupons are redeemed and the basket, with its holds, removed in the same transaction).
ALTER TABLE pos_baskets ADD COLUMN tender_priced TEXT;
CREATE TABLE pos_coupon_holds (
  coupon_id TEXT PRIMARY KEY,
  sale_id TEXT NOT NULL REFERENCES pos_baskets (sale_id) ON DELETE CASCADE
);
CREATE INDEX pos_coupon_holds_by_sale ON pos_coupon_holds (sale_id);
