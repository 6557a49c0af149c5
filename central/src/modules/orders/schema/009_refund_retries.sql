-- Issue #17: the refund retry job took the ten oldest open REFUND_REQUESTED events on every round, with no backoff,
-- no count and no end, reading all of order_events to find them: ten refunds the provider always refused blocked
-- every newer one for ever. Each open refund now has a row here, written with its request and deleted once REFUNDED
-- is recorded: how often the provider was asked, when to ask next (one minute, doubling, at most an hour) and, after
-- the last attempt, when the job gave up (an incident says so; the job asks no more). The job reads only due rows
-- through the partial index.
CREATE TABLE order_refund_retries (
  order_id uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  amount_minor bigint NOT NULL,
  currency text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_try_at bigint NOT NULL,
  last_error text,
  gave_up_at bigint
);
CREATE INDEX order_refund_retries_due ON order_refund_retries (next_try_at) WHERE gave_up_at IS NULL;
-- Refunds requested before this migration and not made yet: due at once.
INSERT INTO order_refund_retries (order_id, amount_minor, currency, next_try_at)
SELECT e.order_id, (e.detail->>'amountMinor')::bigint, e.detail->>'currency', e.at + 60000
FROM order_events e
WHERE e.kind = 'REFUND_REQUESTED'
  AND NOT EXISTS (SELECT 1 FROM order_events r WHERE r.order_id = e.order_id AND r.kind = 'REFUNDED')
  AND NOT EXISTS (SELECT 1 FROM order_events_archive r WHERE r.order_id = e.order_id AND r.kind = 'REFUNDED')
ON CONFLICT (order_id) DO NOTHING;
