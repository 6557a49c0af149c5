-- The stores' copy, kept once at the hub (issue #24 review D1): each product's latest `ReviewStoreProduct` (summary and
-- top reviews as a store shows them, JSON) at a revision from one growing sequence. A product with no approved review
-- left keeps its row with `count: 0` (a tombstone), so a store that missed the change still drops it when it pulls.
-- Stores pull the rows after the revision they hold (`GET /api/reviews/store-products?after=`), in revision order; the
-- job writes them under the lock of `review_store_announced`, so revisions commit in order and a store's cursor never
-- passes a row that commits later.
CREATE SEQUENCE review_store_revision;
-- Past any revision the earlier full-payload feed sent (the clock at the send), so a store that held those keeps
-- taking the newer rows.
SELECT setval('review_store_revision', coalesce((SELECT max(revision) FROM review_store_sent), 0) + 1, false);
-- The per-product revisions of the full-payload feed: nothing reads them any more.
DROP TABLE review_store_sent;

CREATE TABLE review_store_products (
  sku        text   PRIMARY KEY,
  revision   bigint NOT NULL UNIQUE,
  payload    jsonb  NOT NULL,
  updated_at bigint NOT NULL
);

-- The revision last announced to the stores (`reviews.changed`); its row is the writers' lock.
CREATE TABLE review_store_announced (
  id       int    PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO review_store_announced (id, revision) VALUES (1, 0);

-- Every product with a summary is built into the copy by the next runs (2,000 a run), so a store pulling from 0 gets
-- the products the earlier feed had sent as well as those changed from now on.
INSERT INTO review_store_dirty (sku, since)
SELECT sku, 0 FROM review_summaries WHERE sku <> '*'
ON CONFLICT (sku) DO NOTHING;
