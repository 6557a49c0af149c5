-- The store's copy of its recommendations (issue #21), from the hub's newest `recs.store-top` feed entry: the store's
-- top list and "bought together" pairs of one model version, so the kiosk recommends with no network. A newer model's
-- entry replaces all three tables in its feed transaction; an older one is ignored (it may arrive late, or replayed
-- from the parked feed).
CREATE TABLE recs_model (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  model_version INTEGER NOT NULL,
  generated_at INTEGER NOT NULL,
  applied_at INTEGER NOT NULL
);

-- The top list, best first (`position` 0 is the best); a sku listed twice keeps its first place.
CREATE TABLE recs_top (
  sku TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  category TEXT NOT NULL,
  score REAL NOT NULL,
  reason TEXT NOT NULL
) WITHOUT ROWID;

-- What is bought with `sku`, best first within it; a pair listed twice keeps its first place, a product never pairs
-- with itself.
CREATE TABLE recs_pairs (
  sku TEXT NOT NULL,
  with_sku TEXT NOT NULL,
  position INTEGER NOT NULL,
  score REAL NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (sku, with_sku)
) WITHOUT ROWID;
