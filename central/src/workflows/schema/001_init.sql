-- The workflows layer's own tables (issue #15).

-- Notices to customers, written in the transaction of the change they tell of (an order's pickup store moved, an order
-- cancelled because its goods were gone), sent after it commits by the notification sender. A sender claims a row
-- for a while (claimed_until) so two hub replicas do not send it twice at once; sent_at is set once it went out.
CREATE TABLE customer_notifications (
  id uuid PRIMARY KEY,
  customer_id uuid NOT NULL,
  order_id uuid,
  kind text NOT NULL,
  message text NOT NULL,
  created_at bigint NOT NULL,
  claimed_until bigint NOT NULL DEFAULT 0,
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  sent_at bigint
);
CREATE INDEX customer_notifications_unsent ON customer_notifications (created_at) WHERE sent_at IS NULL;

-- What a flow could not put right by itself and staff must look at: today a pickup a store handed over (offline) for
-- a hold the hub had already ended (cancelled or expired) — the goods left, and the order may have been refunded.
CREATE TABLE workflow_incidents (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  store_id uuid NOT NULL,
  reservation_id uuid,
  order_id uuid,
  detail jsonb NOT NULL,
  raised_at bigint NOT NULL
);
CREATE INDEX workflow_incidents_raised ON workflow_incidents (raised_at DESC);
