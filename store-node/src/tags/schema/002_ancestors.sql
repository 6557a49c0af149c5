-- Filtering at 200,000 products (issue #20 review): a tag's products are those tagged with it or a tag below it, which
-- the first schema found by a prefix match on paths that no index serves, on every request.
--
-- Each live tag with itself and every live tag above it (by path), rebuilt whenever a page of the pull changes tags:
-- "the products under T" is product_tags joined on ancestor_id = T.
CREATE TABLE tag_ancestors (
  tag_id INTEGER NOT NULL,
  ancestor_id INTEGER NOT NULL,
  PRIMARY KEY (ancestor_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX tag_ancestors_by_tag ON tag_ancestors (tag_id, ancestor_id);
INSERT INTO tag_ancestors (tag_id, ancestor_id)
SELECT d.id, t.id FROM tags d JOIN tags t
  ON t.deleted = 0 AND (d.path = t.path OR substr(d.path, 1, length(t.path) + 1) = t.path || '.')
WHERE d.deleted = 0;

-- When the last pull completed (ms), for the pages' "Tags as of 10:42"; null until the first.
ALTER TABLE tags_sync ADD COLUMN pulled_at INTEGER;
UPDATE tags_sync SET pulled_at = updated_at WHERE pulled = 1;

-- Bumped by every change the store's tag filter reads (tags, product tags, the catalog's products and their names), so
-- the filter's in-memory sets are rebuilt only when one of them changed, whoever wrote it (the tags pull, the catalog
-- pull, a cold start's sections).
-- `tags` counts changes to the tags and product tags, `catalog` to the catalog's products and names: a catalog change
-- re-sorts the products, a tags change only rebuilds the tags' sets.
CREATE TABLE tags_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  tags INTEGER NOT NULL,
  catalog INTEGER NOT NULL
);
INSERT INTO tags_epoch (id, tags, catalog) VALUES (1, 0, 0);
CREATE TRIGGER tags_epoch_tags_ai AFTER INSERT ON tags BEGIN UPDATE tags_epoch SET tags = tags + 1 WHERE id = 1; END;
CREATE TRIGGER tags_epoch_tags_au AFTER UPDATE ON tags BEGIN UPDATE tags_epoch SET tags = tags + 1 WHERE id = 1; END;
CREATE TRIGGER tags_epoch_tags_ad AFTER DELETE ON tags BEGIN UPDATE tags_epoch SET tags = tags + 1 WHERE id = 1; END;
CREATE TRIGGER tags_epoch_pt_ai AFTER INSERT ON product_tags BEGIN UPDATE tags_epoch SET tags = tags + 1 WHERE id = 1; END;
CREATE TRIGGER tags_epoch_pt_ad AFTER DELETE ON product_tags BEGIN UPDATE tags_epoch SET tags = tags + 1 WHERE id = 1; END;
CREATE TRIGGER tags_epoch_catalog_ai AFTER INSERT ON catalog_products BEGIN
  UPDATE tags_epoch SET catalog = catalog + 1 WHERE id = 1;
END;
CREATE TRIGGER tags_epoch_catalog_ad AFTER DELETE ON catalog_products BEGIN
  UPDATE tags_epoch SET catalog = catalog + 1 WHERE id = 1;
END;
CREATE TRIGGER tags_epoch_catalog_au AFTER UPDATE OF sku, name ON catalog_products
WHEN old.sku IS NOT new.sku OR old.name IS NOT new.name BEGIN
  UPDATE tags_epoch SET catalog = catalog + 1 WHERE id = 1;
END;
