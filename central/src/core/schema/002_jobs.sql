-- The hub's job runner (central/src/kernel/jobs/): recurring schedules and the runs they and modules enqueue.

-- One row per recurring job: whichever hub process first moves next_run_at past now (a conditional UPDATE) starts
-- that period's run, so a period runs once per cluster however many hubs share the database.
CREATE TABLE job_schedules (
  name text PRIMARY KEY,            -- the job's name (`reservations.expire-holds`)
  every_ms bigint NOT NULL,
  jitter real NOT NULL,             -- 0.2: each period is every_ms ±20 %
  next_run_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

-- One row per run: a schedule's period or a one-off a module enqueued. A process holds a run by its lease
-- (lease_owner until lease_until); lease_epoch grows at each claim and every write of a run is conditional on it,
-- so a process whose lease expired (it hung, or died) cannot record over the one that took the run over.
CREATE TABLE job_runs (
  id text PRIMARY KEY,              -- UUIDv7
  name text NOT NULL,
  schedule text,                    -- the schedule that made it; NULL for a one-off
  idempotency_key text,             -- a one-off enqueued twice with the same key is one run
  payload jsonb,
  state text NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
  run_at bigint NOT NULL,           -- QUEUED: not before then (a retry's backoff)
  attempts int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL CHECK (max_attempts >= 1),
  lease_ms bigint NOT NULL,
  lease_owner text,
  lease_epoch int NOT NULL DEFAULT 0,
  lease_until bigint,
  checkpoint jsonb,                 -- where a resumed run carries on from
  progress_done bigint,
  progress_total bigint,
  progress_message text,
  last_error text,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint
);
CREATE UNIQUE INDEX job_runs_idempotency ON job_runs (name, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX job_runs_due ON job_runs (run_at) WHERE state IN ('QUEUED', 'RUNNING');
CREATE INDEX job_runs_schedule_open ON job_runs (schedule) WHERE state IN ('QUEUED', 'RUNNING');
CREATE INDEX job_runs_created ON job_runs (created_at);
