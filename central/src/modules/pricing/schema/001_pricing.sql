-- Pricing (issue #25): price books per chain, region and store with effective dates, promotions, the keys that sign
-- coupons and Scan & Go exit tokens, and the coupons used. Every row stores reach carries a revision from one sequence:
-- a store pulls what changed after the revision it holds (GET /api/pricing/store-rules).
CREATE SEQUENCE pricing_revision_seq;

CREATE TABLE pricing_regions (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text NOT NULL,
  created_at bigint NOT NULL
);

-- A store's region (at most one; NULL: taken out of its region); its revision tells the store to take its new
-- region's books (the store pull's page names the region; a store that sees it change pulls again from 0).
CREATE TABLE pricing_store_regions (
  store_id uuid PRIMARY KEY REFERENCES locations (id),
  region_id text REFERENCES pricing_regions (id),
  revision bigint NOT NULL
);
CREATE INDEX pricing_store_regions_revision ON pricing_store_regions (revision);

CREATE TABLE pricing_books (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('STORE', 'REGION', 'CHAIN')),
  store_id uuid REFERENCES locations (id),
  region_id text REFERENCES pricing_regions (id),
  currency text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CHECK ((scope = 'STORE') = (store_id IS NOT NULL) AND (scope = 'REGION') = (region_id IS NOT NULL))
);
-- One book per target: the chain's, each region's, each store's (the most specific scope wins, so a second book of
-- the same target would only make the price depend on revision order).
CREATE UNIQUE INDEX pricing_books_target ON pricing_books (scope, (coalesce(store_id::text, region_id, '')));
CREATE INDEX pricing_books_store ON pricing_books (store_id) WHERE store_id IS NOT NULL;
CREATE INDEX pricing_books_region ON pricing_books (region_id) WHERE region_id IS NOT NULL;

-- One price of a sku in a book from valid_from (inclusive) to valid_to (exclusive, NULL = until replaced); a deleted
-- entry is kept as a tombstone (deleted) so stores that held it drop it.
CREATE TABLE pricing_entries (
  id uuid PRIMARY KEY,
  book_id uuid NOT NULL REFERENCES pricing_books (id),
  sku text NOT NULL,
  price_minor bigint NOT NULL CHECK (price_minor >= 0),
  member_price_minor bigint CHECK (member_price_minor >= 0),
  valid_from bigint NOT NULL,
  valid_to bigint CHECK (valid_to IS NULL OR valid_to > valid_from),
  deleted boolean NOT NULL DEFAULT false,
  revision bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX pricing_entries_live ON pricing_entries (book_id, sku, valid_from) WHERE NOT deleted;
CREATE INDEX pricing_entries_revision ON pricing_entries (revision);
CREATE INDEX pricing_entries_sku ON pricing_entries (sku);
CREATE INDEX pricing_entries_book_sku ON pricing_entries (book_id, sku, valid_from, id) WHERE NOT deleted;

-- A promotion: its rule (shared/src/protocol/pricing.ts promotionRuleSchema) as JSON, where and when it runs.
CREATE TABLE pricing_promotions (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL,
  rule jsonb NOT NULL,
  priority int NOT NULL,
  stacking text NOT NULL CHECK (stacking IN ('EXCLUSIVE', 'STACKABLE', 'BEST_OF')),
  valid_from bigint NOT NULL,
  valid_to bigint CHECK (valid_to IS NULL OR valid_to > valid_from),
  store_ids jsonb NOT NULL DEFAULT '[]',
  region_ids jsonb NOT NULL DEFAULT '[]',
  coupon_required boolean NOT NULL DEFAULT false,
  members_only boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  revision bigint NOT NULL,
  created_by text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX pricing_promotions_revision ON pricing_promotions (revision);

-- The public halves of the Ed25519 keys that sign coupons and exit tokens (the private halves are in the keys file).
CREATE TABLE pricing_signing_keys (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  created_at bigint NOT NULL,
  retired_at bigint,
  revision bigint NOT NULL
);
CREATE INDEX pricing_signing_keys_revision ON pricing_signing_keys (revision);

-- Coupons used (the first redemption of each); stores refuse them once they hear.
CREATE TABLE pricing_coupon_redemptions (
  coupon_id text PRIMARY KEY,
  promotion_id uuid NOT NULL,
  sale_id text NOT NULL,
  store_id uuid,
  discount_minor bigint NOT NULL,
  at bigint NOT NULL,
  recorded_at bigint NOT NULL,
  revision bigint NOT NULL
);
CREATE INDEX pricing_coupon_redemptions_revision ON pricing_coupon_redemptions (revision);

-- A coupon redeemed again after its first use (another store had not heard yet): for head office.
CREATE TABLE pricing_coupon_doubles (
  coupon_id text NOT NULL,
  sale_id text NOT NULL,
  store_id uuid,
  discount_minor bigint NOT NULL,
  at bigint NOT NULL,
  recorded_at bigint NOT NULL,
  PRIMARY KEY (coupon_id, sale_id)
);
