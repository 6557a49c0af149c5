-- The retailer's catalog: one row per sku, the same for every store (store prices come later with price lists).
CREATE TABLE catalog_products (
  sku text PRIMARY KEY,
  gtin text,                          -- GTIN-14, zero-padded; what barcodes scan to
  name text NOT NULL,
  brand text,
  size text,
  category text NOT NULL,
  price_minor bigint NOT NULL CHECK (price_minor >= 0),
  currency text NOT NULL DEFAULT 'USD',
  tax_class text NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX catalog_products_gtin ON catalog_products (gtin) WHERE gtin IS NOT NULL;
CREATE INDEX catalog_products_category ON catalog_products (category, sku);
