-- Who a list was served to (`store:<id>` or `user:<id>`): only that caller's click counts, within a day of the
-- impression, so nobody else can click lists they never saw to steer the A/B test. Lists served before this column
-- have none and take no more clicks.
ALTER TABLE recs_impressions ADD COLUMN served_to text;
