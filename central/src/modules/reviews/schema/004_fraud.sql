-- Fraud rule PRODUCT_BURST (lane D): a product's 1★ and 5★ reviews by time, whatever their status (the shown-reviews
-- indexes hold approved ones only, and a burst counts the refused and queued ones too).
CREATE INDEX reviews_product_extreme ON reviews (sku, rating, created_at) WHERE rating IN (1, 5);
