-- A promotion's dry run against the sales ledger's completed baskets (console, issue #25): one row per run, its
-- progress written per page of baskets by the `pricing.dry-run` job, its result once DONE, its reason once FAILED.
CREATE TABLE pricing_dry_runs (
  id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
  -- the promotion priced (a draft, or a stored one's row) and the stored one's id when it was one
  promotion jsonb NOT NULL,
  promotion_id uuid,
  from_at bigint NOT NULL,
  to_at bigint NOT NULL CHECK (to_at > from_at),
  store_id uuid,
  scanned bigint NOT NULL DEFAULT 0,
  -- how far through the window the last page reached (closedAt of its last basket)
  reached_at bigint,
  result jsonb,
  error text,
  created_by text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX pricing_dry_runs_created ON pricing_dry_runs (created_at DESC);
