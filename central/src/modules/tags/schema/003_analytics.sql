-- Tag analytics (issue #20): per tag and day (UTC), products given the tag, products it was taken from, and searches
-- that named it; "trending" compares the last 7 days with the 7 before. Counted in the writing transaction (tagging)
-- or in batches (searches, flushed by each hub every few seconds).
CREATE TABLE tag_daily_stats (
  tag_id integer NOT NULL REFERENCES tags (id),
  day integer NOT NULL,                           -- days since 1970-01-01, UTC
  added integer NOT NULL DEFAULT 0,
  removed integer NOT NULL DEFAULT 0,
  searched integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tag_id, day)
);
CREATE INDEX tag_daily_stats_day ON tag_daily_stats (day);
