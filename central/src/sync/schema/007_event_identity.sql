-- An event's identity survives renumbering (issue #14): a store restored from a backup renumbers events it had
-- already sent under other seqs. Found by (origin, hlc) with the same type and payload, such a repeat is kept at its
-- new seq (so seqs stay contiguous and the ack moves on) with `repeat_of` naming the seq that holds it; its payload
-- is not stored twice and no handler sees it again.
ALTER TABLE sync_events ADD COLUMN repeat_of bigint;
CREATE INDEX sync_events_identity ON sync_events (origin, hlc);
-- A parked event is held too: its repeat must not apply behind the parked original's back.
CREATE INDEX sync_parked_identity ON sync_parked (origin, hlc);
