-- The stores' copy (store-feed.ts). A run moves the dirty products it takes from `review_store_dirty` into
-- `review_store_feeding` in one transaction, so a change committed while the run sends marks the product dirty again
-- (markStoreDirty inserts a fresh row) and the next run sends it; a run that died midway leaves its products here and
-- the next run sends them first.
CREATE TABLE review_store_feeding (
  sku   text   PRIMARY KEY,
  since bigint NOT NULL
);

-- The revision each product was last sent with: the hub's clock at the send, and at least one more than the last, so
-- it only grows (a later change always outranks what a store holds, also after the clock or a restore went back). The
-- cold start sends a product at this revision.
CREATE TABLE review_store_sent (
  sku      text   PRIMARY KEY,
  revision bigint NOT NULL
);
