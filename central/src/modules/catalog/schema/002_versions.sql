-- Every change to a product takes the next catalog version, so a store holding version V pulls "changes after V"
-- (its cold start is the same query from 0). Writers serialise on an advisory lock (CatalogService), so versions
-- become visible in order and a store never skips one that commits late.
CREATE SEQUENCE catalog_version;
ALTER TABLE catalog_products ADD COLUMN version bigint NOT NULL DEFAULT nextval('catalog_version');
CREATE UNIQUE INDEX catalog_products_version ON catalog_products (version);
