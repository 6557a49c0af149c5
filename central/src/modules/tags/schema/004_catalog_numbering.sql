-- Every catalog product gets a product number (a tag_products row, untagged until tagged), so `NOT x` means every
-- catalog product without x, as a store answers over its catalog. The job tags.number-catalog pages through the
-- catalog's products changed after the catalog version it last numbered, kept here (one row).
CREATE TABLE tag_catalog_numbering (
  id smallint PRIMARY KEY CHECK (id = 1),
  catalog_version bigint NOT NULL,
  numbered bigint NOT NULL DEFAULT 0,              -- products given a number by the job, all runs together
  updated_at bigint NOT NULL DEFAULT 0
);
INSERT INTO tag_catalog_numbering (id, catalog_version) VALUES (1, 0);
