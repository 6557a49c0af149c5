-- migrate: amends 44d7be38f9acd51f
-- The newest HLC held from each origin (issue #14), compared as plain strings (the "C" order the hub's code uses) and
-- only ever raised: an event stamped after it cannot be one the hub holds, so a store's ordinary uploads skip the
-- identity lookup of 007; only a store file that went back in time (a restore) has events at or before it.
-- NULL means unknown (every origin the hub held before this migration): its uploads run the lookup on every event
-- until a batch in which none was a repeat sets the mark. No backfill here: it would read all of sync_events while
-- holding up every upload.
ALTER TABLE sync_origins ADD COLUMN newest_hlc text;
