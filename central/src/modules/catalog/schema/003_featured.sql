-- Head office's featured products: the kiosk home page shows them first, in rank order (1 first) within their
-- category. Null: not featured. Carried to stores with the other product fields (a change takes a new version).
ALTER TABLE catalog_products ADD COLUMN featured_rank integer CHECK (featured_rank BETWEEN 1 AND 1000);
