-- Issue #15: staff see workflow incidents in the console and resolve them. A resolution records who (a console
-- user's id), when (epoch ms) and why (their note); an incident is resolved once. The console lists open ones newest
-- first, hence the partial index in that order.
ALTER TABLE workflow_incidents ADD COLUMN resolved_at bigint;
ALTER TABLE workflow_incidents ADD COLUMN resolved_by uuid;
ALTER TABLE workflow_incidents ADD COLUMN resolution_note text;
CREATE INDEX workflow_incidents_open ON workflow_incidents (raised_at DESC, id DESC) WHERE resolved_at IS NULL;
