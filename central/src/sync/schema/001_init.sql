-- Events received from store outboxes, applied exactly once: UNIQUE (origin, seq) is the guard.
CREATE TABLE sync_events (
  origin uuid NOT NULL,
  seq bigint NOT NULL,
  hlc text NOT NULL,
  type text NOT NULL,
  payload jsonb,
  received_at bigint NOT NULL,
  PRIMARY KEY (origin, seq)
);

-- Per store: the highest contiguous seq held (what `ack` says) and what the store reported still pending.
CREATE TABLE sync_origins (
  store_id uuid PRIMARY KEY,
  acked_seq bigint NOT NULL DEFAULT 0,
  outbox_head bigint NOT NULL DEFAULT 0,
  last_event_at bigint
);

-- Events the hub could not apply (unknown type, a handler that threw): kept, shown, never dropped.
CREATE TABLE sync_parked (
  origin uuid NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL,
  payload jsonb,
  reason text NOT NULL,
  parked_at bigint NOT NULL,
  resolved_at bigint,
  PRIMARY KEY (origin, seq)
);

-- Each store's feed of hub-owned changes, in hub sequence per store.
CREATE TABLE sync_feed (
  store_id uuid NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL,
  payload jsonb,
  created_at bigint NOT NULL,
  PRIMARY KEY (store_id, seq)
);
CREATE TABLE sync_feed_heads (
  store_id uuid PRIMARY KEY,
  head bigint NOT NULL
);
CREATE TABLE sync_feed_cursors (
  store_id uuid PRIMARY KEY,
  acked bigint NOT NULL,
  acked_at bigint NOT NULL
);

-- Who is connected where, for the console and for routing across replicas.
CREATE TABLE sync_connections (
  store_id uuid PRIMARY KEY,
  replica text NOT NULL,
  protocol int NOT NULL,
  connected boolean NOT NULL,
  connected_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
