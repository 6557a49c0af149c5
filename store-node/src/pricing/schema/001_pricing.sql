-- The store's copy of the hub's pricing rules (issue #25), pulled from `GET /api/pricing/store-rules` on each
-- `pricing.changed` notice (and from the cold start's `pricing` section), so the lane, the kiosk and the Scan & Go door
-- price offline. Every row keeps the hub's revision: a row replaces what the store holds under its id only when it is
-- newer (a higher revision), so a page applied twice (or an older one late) changes nothing. Tombstones (`deleted = 1`) stay as
-- rows, so a late older row cannot bring a deleted price or promotion back; the rules leave them out.

-- Price book entries of the books that apply here (the store's own, its region's, the chain's), future ones too: a
-- change scheduled while the store is offline takes effect at its time.
CREATE TABLE pricing_entries (
  id TEXT PRIMARY KEY,
  book_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('STORE', 'REGION', 'CHAIN')),
  sku TEXT NOT NULL,
  price_minor INTEGER NOT NULL,
  member_price_minor INTEGER,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER,
  revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX pricing_entries_sku ON pricing_entries (sku);

-- Promotions that run here: the `Promotion` as the engine takes it (JSON; null for a tombstone).
CREATE TABLE pricing_promotions (
  id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  body TEXT
) WITHOUT ROWID;

-- The hub's coupon and exit-token signing public keys (Ed25519 raw, base64url).
CREATE TABLE pricing_keys (
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER,
  revision INTEGER NOT NULL
) WITHOUT ROWID;

-- Coupons refused as used: those head office heard of (`HUB`, with the hub's revision) and those taken at this store
-- (`HERE`, in the sale's transaction, with the sale), so the next basket here refuses them at once, offline.
CREATE TABLE pricing_used_coupons (
  coupon_id TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('HUB', 'HERE')),
  revision INTEGER,
  sale_id TEXT,
  at INTEGER NOT NULL
) WITHOUT ROWID;

-- Where the copy stands: every hub row up to `revision` applied; `wanted` the newest a notice named (behind while
-- revision < wanted); the store's region as the hub last said (`region_known` 0 until a page said it); the hub's
-- currency; when a pull last reached the end (null: never); rows refused since the start (malformed ones).
CREATE TABLE pricing_sync (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  wanted INTEGER NOT NULL,
  region_id TEXT,
  region_known INTEGER NOT NULL,
  currency TEXT,
  pulled_at INTEGER,
  refused INTEGER NOT NULL
);
INSERT INTO pricing_sync (id, revision, wanted, region_id, region_known, currency, pulled_at, refused)
  VALUES (1, 0, 0, NULL, 0, NULL, NULL, 0);
