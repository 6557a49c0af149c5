-- The store's copy of the hub catalog (bootstrap now; catalog and price changes through the feed later).
CREATE TABLE catalog_products (
  sku TEXT PRIMARY KEY,
  gtin TEXT,
  name TEXT NOT NULL,
  brand TEXT,
  size TEXT,
  category TEXT NOT NULL,
  price_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  tax_class TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX catalog_products_gtin ON catalog_products (gtin);
