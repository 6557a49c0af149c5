-- Retention (issue #14): the timeline of an order that ended (FAILED or CANCELLED) long ago (400 days by default)
-- moves to an archive, one partition per month of the event's time (order_events_archive_y2025m01…), which an
-- operator can DETACH and dump. Open and confirmed orders keep their whole timeline in order_events.
CREATE TABLE order_events_archive (
  order_id uuid NOT NULL,
  seq int NOT NULL,
  at bigint NOT NULL,
  kind text NOT NULL,
  detail jsonb,
  archived_at bigint NOT NULL
) PARTITION BY RANGE (at);
CREATE INDEX order_events_archive_order ON order_events_archive (order_id, seq);

-- Set once every event of the order is in the archive: its timeline is read from there.
ALTER TABLE orders ADD COLUMN timeline_archived_at bigint;
-- What the sweep looks for: ended orders whose timeline is still hot, oldest first.
CREATE INDEX orders_ended_hot ON orders (updated_at) WHERE status IN ('FAILED', 'CANCELLED') AND timeline_archived_at IS NULL;
-- The oldest hot timeline (an order's first event is at its created_at), for the retention status.
CREATE INDEX orders_timeline_hot ON orders (created_at) WHERE timeline_archived_at IS NULL;
