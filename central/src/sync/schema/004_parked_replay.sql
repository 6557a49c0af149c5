-- Parked events can be replayed (issue #14): a parked row keeps its event's HLC, so a replay needs nothing else
-- (sync_events may be pruned), and says who resolved it, when, and how.
ALTER TABLE sync_parked ADD COLUMN hlc text;
UPDATE sync_parked p SET hlc = e.hlc FROM sync_events e WHERE e.origin = p.origin AND e.seq = p.seq;
ALTER TABLE sync_parked ADD COLUMN resolved_by text;
-- 'applied': a replay applied it (resolved_at, resolved_by say when and who).
ALTER TABLE sync_parked ADD COLUMN outcome text;
ALTER TABLE sync_parked ADD COLUMN replays int NOT NULL DEFAULT 0;
CREATE INDEX sync_parked_open_by_type ON sync_parked (type, origin, seq) WHERE resolved_at IS NULL;

-- Every replay of a parked event, whatever came of it: the audit of who tried what and when.
CREATE TABLE sync_parked_replays (
  origin uuid NOT NULL,
  seq bigint NOT NULL,
  -- 1 for the event's first replay, 2 for the next… (taken under the parked row's lock)
  attempt int NOT NULL,
  replayed_at bigint NOT NULL,
  replayed_by text NOT NULL,
  -- 'applied', or 'failed' (still parked, with `reason`)
  outcome text NOT NULL,
  reason text,
  PRIMARY KEY (origin, seq, attempt)
);
