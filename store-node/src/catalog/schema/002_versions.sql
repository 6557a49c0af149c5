-- The hub's catalog version of each product, and of the whole copy: the store pulls "changes after `version`"
-- whenever a `catalog.changed` notice in its feed names a newer one (`wanted`).
ALTER TABLE catalog_products ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE catalog_sync (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  wanted INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO catalog_sync (id, version, wanted, updated_at) VALUES (1, 0, 0, 0);
