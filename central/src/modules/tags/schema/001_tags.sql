-- Tags (issue #20). Every change a store or another hub replica must hear of takes the next number of one sequence:
-- a tag created, renamed, moved or deleted; a product's tags changed. Writers serialise on an advisory lock
-- (TagsRepository.lockForWrite), so versions become visible in the order they were taken and a reader that holds
-- version V and asks for "changed after V" never skips one that commits late.
CREATE SEQUENCE tags_version;

CREATE TABLE tags (
  id serial PRIMARY KEY,                          -- the number the in-memory index and the stores use
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),  -- a letter or digit first: `-x` reads as NOT x
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  kind text NOT NULL CHECK (kind IN ('CATEGORY', 'ATTRIBUTE', 'PROMOTION', 'SEASONAL')),
  parent_id integer REFERENCES tags (id),
  -- slugs from the root to this tag, dot-separated: electronics.mobile.smartphones (a rename or move rewrites the
  -- subtree's paths in one statement: WHERE path = $old OR path LIKE $old || '.%')
  path text NOT NULL,
  depth smallint NOT NULL CHECK (depth BETWEEN 1 AND 16),
  -- a deleted tag stays as a tombstone (no products, no children) so stores that hold it hear that it went
  deleted boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  version bigint NOT NULL
);
-- a slug names one live tag across the whole tree (the query language's `tag:` form)
CREATE UNIQUE INDEX tags_slug ON tags (slug) WHERE NOT deleted;
CREATE UNIQUE INDEX tags_path ON tags (path) WHERE NOT deleted;
CREATE INDEX tags_path_prefix ON tags (path text_pattern_ops);
CREATE INDEX tags_parent ON tags (parent_id);
CREATE INDEX tags_version_order ON tags (version, id);

-- The truth of who is tagged with what: one row per product ever tagged, with the tags given to it (sorted, no
-- duplicates; the ancestors they imply are not listed). `product_no` is the product's number in the in-memory
-- bitmaps; a product untagged keeps its row (empty tags) so stores and replicas hear that it was untagged.
CREATE TABLE tag_products (
  product_no serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  tag_ids integer[] NOT NULL DEFAULT '{}',
  version bigint NOT NULL,                        -- one number per writing transaction
  updated_at bigint NOT NULL,
  -- set once a write changes the row's tags: only such rows matter to stores (their `tags` section and the
  -- announcer); a row the catalog numbering gave a product that was never tagged stays out of both, while the
  -- hub's index reads every row (all() is every numbered product)
  ever_tagged boolean NOT NULL DEFAULT false
);
CREATE INDEX tag_products_version_order ON tag_products (version, product_no);
CREATE INDEX tag_products_store_order ON tag_products (version, product_no) WHERE ever_tagged;
CREATE INDEX tag_products_tags ON tag_products USING gin (tag_ids);

-- The newest version announced to stores (`tags.changed`): the announcer job broadcasts when tags are past it.
CREATE TABLE tag_announcements (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO tag_announcements (id, version) VALUES (1, 0);
