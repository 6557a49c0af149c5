-- Head office's featured rank of each product (1 first within its category; null: not featured), from the hub's
-- catalog like the other fields: the kiosk home page shows featured products first.
ALTER TABLE catalog_products ADD COLUMN featured_rank INTEGER;
