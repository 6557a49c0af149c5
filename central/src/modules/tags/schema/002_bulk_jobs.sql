-- Tag bulk jobs (issue #20): add, remove or replace tags on up to millions of products chosen by a query or a list.
-- The job's selection is fixed when it is created (a query's result, or the list as sent), stored in chunks of
-- product numbers, so a retry or a resume after a crash changes the same products; the kernel job run that executes
-- it keeps its place as a checkpoint (the next chunk).
CREATE TABLE tag_bulk_jobs (
  id uuid PRIMARY KEY,
  action text NOT NULL CHECK (action IN ('ADD', 'REMOVE', 'REPLACE')),
  tag_ids integer[] NOT NULL,
  -- how the products were chosen, for people: {"query": "..."} or {"skus": <count>}
  selection jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('PREPARING', 'QUEUED', 'RUNNING', 'CANCELLING', 'CANCELLED', 'DONE', 'FAILED')),
  total integer NOT NULL DEFAULT 0,
  done integer NOT NULL DEFAULT 0,                -- products changed or already as asked
  failed integer NOT NULL DEFAULT 0,              -- products refused (listed in tag_bulk_failures)
  run_id uuid,                                    -- the kernel job run executing it
  -- the next chunk to apply: moved in the transaction that applies a chunk (with done/failed), so a chunk's counts
  -- are added once however often a crash or a retry re-applies it (the run's checkpoint says the same, for the runner)
  next_chunk integer NOT NULL DEFAULT 0,
  started_done integer NOT NULL DEFAULT 0,        -- `done` when the run (or a retry) started: the rate for the ETA
  retries integer NOT NULL DEFAULT 0,             -- retries asked (each a new run, keyed <jobId>:retry:<n>)
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  last_error text
);
CREATE INDEX tag_bulk_jobs_recent ON tag_bulk_jobs (created_at DESC);

-- The job's products, fixed at creation: chunk n holds the product numbers (or, for a list, the skus) of its slice.
CREATE TABLE tag_bulk_chunks (
  job_id uuid NOT NULL REFERENCES tag_bulk_jobs (id) ON DELETE CASCADE,
  chunk integer NOT NULL,
  product_nos integer[],
  skus text[],
  PRIMARY KEY (job_id, chunk)
);

-- The partial-failure report: each product the job could not change, and why (an unknown sku, too many tags).
CREATE TABLE tag_bulk_failures (
  job_id uuid NOT NULL REFERENCES tag_bulk_jobs (id) ON DELETE CASCADE,
  sku text NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (job_id, sku)
);
