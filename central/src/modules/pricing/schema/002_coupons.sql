-- Coupons (issue #25, lane C): batches of single-use codes issued for a coupon promotion. The codes themselves are
-- signed (shared/src/pricing/signing.ts) and shown once at issue; the hub keeps only each batch's serial range, the key
-- that signed it and when it expires. Serials come from a per-promotion counter, so two batches never share one.
CREATE TABLE pricing_coupon_serials (
  promotion_id uuid PRIMARY KEY REFERENCES pricing_promotions (id),
  last_serial bigint NOT NULL CHECK (last_serial >= 0)
);

CREATE TABLE pricing_coupon_batches (
  id uuid PRIMARY KEY,
  promotion_id uuid NOT NULL REFERENCES pricing_promotions (id),
  first_serial bigint NOT NULL CHECK (first_serial >= 1),
  count int NOT NULL CHECK (count BETWEEN 1 AND 10000),
  expires_at bigint NOT NULL,
  key_id text NOT NULL,
  created_by text,
  created_at bigint NOT NULL
);
CREATE INDEX pricing_coupon_batches_promotion ON pricing_coupon_batches (promotion_id, first_serial);

-- Head office's list of doubles is paged in the order they were recorded.
CREATE INDEX pricing_coupon_doubles_recorded ON pricing_coupon_doubles (recorded_at, coupon_id, sale_id);
-- Redeemed counts per batch look a promotion's redemptions up.
CREATE INDEX pricing_coupon_redemptions_promotion ON pricing_coupon_redemptions (promotion_id);
