-- Ranked product search (kiosk, till, handheld): an FTS5 index over each product's name, brand and category, ranked
-- with bm25. Case and diacritics are folded ("creme" finds "Crème"); two- and three-letter prefix indexes keep
-- search-as-you-type fast. The index holds no copy of the text (content= the catalog table): triggers keep it in step
-- with every insert, update (the catalog puller's upserts) and delete, and the rebuild below fills it for the
-- products a store already has. The index is keyed by the table's rowid, which incremental vacuum (the node's only kind)
-- keeps; a full VACUUM may renumber it and must be followed by `INSERT INTO catalog_search (catalog_search) VALUES ('rebuild')`.
CREATE VIRTUAL TABLE catalog_search USING fts5 (
  name, brand, category,
  content = 'catalog_products', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
CREATE TRIGGER catalog_search_ai AFTER INSERT ON catalog_products BEGIN
  INSERT INTO catalog_search (rowid, name, brand, category) VALUES (new.rowid, new.name, new.brand, new.category);
END;
CREATE TRIGGER catalog_search_ad AFTER DELETE ON catalog_products BEGIN
  INSERT INTO catalog_search (catalog_search, rowid, name, brand, category)
    VALUES ('delete', old.rowid, old.name, old.brand, old.category);
END;
CREATE TRIGGER catalog_search_au AFTER UPDATE OF name, brand, category ON catalog_products BEGIN
  INSERT INTO catalog_search (catalog_search, rowid, name, brand, category)
    VALUES ('delete', old.rowid, old.name, old.brand, old.category);
  INSERT INTO catalog_search (rowid, name, brand, category) VALUES (new.rowid, new.name, new.brand, new.category);
END;
INSERT INTO catalog_search (catalog_search) VALUES ('rebuild');
