-- The till gives money back the way it came (#15).
-- When a basket was last changed: the later of its own touched_at (opened, a line removed, a card tender begun) and
-- its lines' changed_at (each scan or quantity: the line's own upsert, no second write per scan). The hourly
-- housekeeping voids a basket left untouched past the configured expiry.
ALTER TABLE pos_baskets ADD COLUMN touched_at INTEGER NOT NULL DEFAULT 0;
UPDATE pos_baskets SET touched_at = COALESCE(tender_started_at, opened_at);
CREATE INDEX pos_baskets_by_touched ON pos_baskets (touched_at);
ALTER TABLE pos_basket_lines ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
-- The card approval of an AUTHORISING basket whose sale could not be recorded and whose approval could not be voided
-- yet: voiding the basket voids this approval; a retry that records the sale completes it with this payment.
ALTER TABLE pos_baskets ADD COLUMN tender_ref TEXT;

-- Why a sale was voided, in words for the lane (the cashier, housekeeping after the expiry). A basket voided with an
-- approved card keeps that card's reference in tender_ref (tender_kind CARD): the card was voided with it.
ALTER TABLE sales ADD COLUMN void_reason TEXT;

-- How a return's money went back: CASH, or CARD (to the card the sale was paid with, refund_ref = the terminal's
-- refund reference). A card return is written REFUNDING before the terminal is asked (it holds its quantities, so
-- two returns cannot both refund the last item) and becomes DONE, with its stock moves and events, once the
-- terminal answers; one left REFUNDING (terminal unreachable, a commit that failed) is asked again with the same
-- refund id (the return's id), which the terminal answers without refunding twice.
ALTER TABLE sale_returns ADD COLUMN refund_kind TEXT NOT NULL DEFAULT 'CASH' CHECK (refund_kind IN ('CASH', 'CARD'));
ALTER TABLE sale_returns ADD COLUMN refund_ref TEXT;
ALTER TABLE sale_returns ADD COLUMN state TEXT NOT NULL DEFAULT 'DONE' CHECK (state IN ('REFUNDING', 'DONE'));
-- Every return reads the sale's earlier returns (what may still come back).
CREATE INDEX sale_returns_by_sale ON sale_returns (sale_id);
