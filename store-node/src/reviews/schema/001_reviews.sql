-- The store's copy of products' ratings (issue #24), from the hub's `reviews.products` feed entries and the cold
-- start's `reviews` section: per product its summary and top reviews as the hub sent them (a `ReviewStoreProduct`,
-- JSON), so the kiosk and the handheld show them with no network. The highest `revision` wins: an older entry that
-- arrives late, or is replayed, changes nothing. A product with no approved review left keeps its row with no
-- payload, so a late older entry cannot bring its reviews back.
CREATE TABLE reviews_products (
  sku TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  payload TEXT,
  applied_at INTEGER NOT NULL
) WITHOUT ROWID;
