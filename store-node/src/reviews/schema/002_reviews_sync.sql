-- Where the store's copy of products' ratings stands (issue #24 review D1): every row of the hub's copy up to
-- `revision` is applied here; `wanted` is the newest revision a `reviews.changed` notice named (the copy is behind
-- while revision < wanted); `pulled_at` when a pull last reached the end (null: never — the store pulls from 0).
CREATE TABLE reviews_sync (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  wanted INTEGER NOT NULL,
  pulled_at INTEGER
);
INSERT INTO reviews_sync (id, revision, wanted, pulled_at) VALUES (1, 0, 0, NULL);
