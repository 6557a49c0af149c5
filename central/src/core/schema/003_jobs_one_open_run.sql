-- Two hubs could start the same period of a schedule at once on Postgres (#15): claimPeriod's UPDATE re-reads
-- next_run_at after waiting for the row lock, but its NOT EXISTS (open run) looked at the older snapshot. Now the
-- database refuses a second open run of a schedule, and the runner takes that refusal as "someone else claimed it".
-- Any duplicates already there are ended first (the older ones), or the index could not be built.
UPDATE job_runs r SET state = 'FAILED', finished_at = r.created_at, lease_owner = NULL, lease_until = NULL,
  last_error = 'a second open run of its schedule (a race fixed by migration 003): ended so one is left'
WHERE r.schedule IS NOT NULL AND r.state IN ('QUEUED', 'RUNNING')
  AND EXISTS (SELECT 1 FROM job_runs n WHERE n.schedule = r.schedule AND n.state IN ('QUEUED', 'RUNNING')
    AND (n.created_at, n.id) > (r.created_at, r.id));
DROP INDEX job_runs_schedule_open;
CREATE UNIQUE INDEX job_runs_one_open_per_schedule ON job_runs (schedule) WHERE state IN ('QUEUED', 'RUNNING');

-- Runs ordered by when the database made them, whatever the hubs' clocks said: ids are UUIDv7 from the hub clock, so
-- after a clock stepped back "the latest run" by max(id) picked an old one (and pruning kept the wrong one).
ALTER TABLE job_runs ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX job_runs_schedule_seq ON job_runs (schedule, seq) WHERE schedule IS NOT NULL;
