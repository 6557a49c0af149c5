-- The newest HLC held from each origin (issue #14), compared as plain strings (the "C" order the hub's code uses) and
-- only ever raised: an event stamped after it cannot be one the hub holds, so a store's ordinary uploads skip the
-- identity lookup of 007; only a store file that went back in time (a restore) has events at or before it.
ALTER TABLE sync_origins ADD COLUMN newest_hlc text;
UPDATE sync_origins o SET newest_hlc = (
  SELECT max(h COLLATE "C") FROM (
    SELECT hlc AS h FROM sync_events e WHERE e.origin = o.store_id
    UNION ALL
    SELECT hlc FROM sync_parked p WHERE p.origin = o.store_id
  ) held
);
