-- Whether the customer showed a loyalty card with a completed sale (#25), so a promotion's dry run prices a member's
-- basket at member prices (SALES_BASKETS.member). The ledger keeps only that a card was shown, never the card: the
-- card goes no further than the sale's arrival (recommendations resolve it to the customer then). Sales from before
-- this migration, and voided baskets, read as no card.
ALTER TABLE sales ADD COLUMN customer_card_present boolean NOT NULL DEFAULT false;
-- The dry run pages a window's completed sales in (closed_at, sale_id) order.
CREATE INDEX sales_completed_closed ON sales (closed_at, sale_id) WHERE status = 'COMPLETED';
